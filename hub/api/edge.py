"""Refusing bad input at the door: oversized bodies and query strings that are not UTF-8.

A pure ASGI middleware, so a refused request never reaches routing or the body parser;
the refusal is an OperationOutcome like every other error.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.errors import operation_outcome
from hub.api.responses import fhir_json

__all__ = ["EdgeGuard"]


class _TooLarge(Exception):
    """The body grew past the limit while it was being read."""


class EdgeGuard:
    """413 for bodies over ``max_body_bytes``; 400 for URLs that are not UTF-8 or hold a NUL."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, why: str
    ) -> None:
        code = "too-costly" if status == 413 else "invalid"
        await fhir_json(operation_outcome(why, code=code), status)(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the query and the declared length, then count the body as it streams."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            query = unquote_to_bytes(scope.get("query_string", b"").decode("latin-1"))
            query.decode("utf-8")
        except UnicodeDecodeError:
            await self._refuse(scope, receive, send, 400, "The query string is not valid UTF-8.")
            return
        # No FHIR value holds a NUL, and PostgreSQL text cannot: refused for every route at once.
        if b"\x00" in query or "\x00" in scope.get("path", ""):
            await self._refuse(
                scope, receive, send, 400, "The request URL contains a NUL character."
            )
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_large = f"The request body is larger than {self.max_body_bytes} bytes."
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(scope, receive, send, 413, too_large)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise _TooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, 413, too_large)
