"""Verified token claims kept per token until the token expires.

A client sends the same bearer token on every request; checking its signature and claims
again each time costs about 30 µs of the event loop's time. A token's text never changes
its meaning, so the claims verified once are reused until its ``exp``. What is decided
per request (scopes against the route, compartment, the audit note) still is.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from hub.config import AuthSettings
from hub.security.tokens import TokenService

__all__ = ["CachingTokenService"]


class CachingTokenService(TokenService):
    """The hub's TokenService with ``verify`` remembered per token (bounded, LRU)."""

    def __init__(
        self,
        settings: AuthSettings,
        secret: str,
        *,
        max_tokens: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(settings, secret)
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._max_tokens, self._clock = max_tokens, clock
        self._lock = threading.Lock()

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid token (verified once per token, re-checked for expiry)."""
        with self._lock:
            claims = self._verified.get(token)
            if claims is not None:
                if self._clock() < float(claims["exp"]):
                    self._verified.move_to_end(token)
                    return dict(claims)
                del self._verified[token]
        claims = super().verify(token)  # raises NotAuthenticated; failures are not kept
        with self._lock:
            self._verified[token] = claims
            if len(self._verified) > self._max_tokens:
                self._verified.popitem(last=False)
        return dict(claims)
