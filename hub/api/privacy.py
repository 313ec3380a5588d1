"""Masking resident IDs and mobile numbers in answers to callers whose role does not need them.

Minimum necessary (DOMAIN.md): only the integration team and prevention doctors see these
numbers. For everyone else, JSON and HTML answers are buffered and every 18-digit ID and
11-digit mobile in them is masked before it leaves the hub.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.security.masking import mask_text
from hub.security.roles import Principal

__all__ = ["IdentifierMasking"]

_MASKED_TYPES = (b"application/json", b"application/fhir+json", b"text/html")


def _needs_masking(scope: Scope) -> bool:
    principal = scope.get("state", {}).get("principal")
    return isinstance(principal, Principal) and not principal.sees_identifiers


class IdentifierMasking:
    """Rewrites JSON and HTML bodies for callers who may not see identifiers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the response start until the body is complete, then mask and send both."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def masked(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                kind = headers.get(b"content-type", b"")
                if _needs_masking(scope) and kind.startswith(_MASKED_TYPES):
                    start = message
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = mask_text(b"".join(chunks).decode("utf-8", "replace")).encode()
            kept = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            kept.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": kept})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, masked)
