"""Whether a token's client is still registered and not revoked, looked up at most once a second.

The lookup is one indexed query, but at concurrency 32 it was about 40% of a read's server
time (a thread hop, a pool checkout past the pool's size, the query; py-spy on bench/api.py).
A client's status is kept for ``revocation_check_seconds`` (default 1 s): a revoked client's
tokens are refused on every worker within that time, and at once with 0.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from hub.security.accounts import client_status, token_refused

__all__ = ["ClientStatusCache"]

Status = tuple[bool, int] | None  # (revoked, registered at, epoch seconds) or not ours


class ClientStatusCache:
    """Client name -> status, re-read from the database when older than ``seconds``."""

    def __init__(
        self, engine: Engine, seconds: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine, self._seconds, self._clock = engine, seconds, clock
        self._known: dict[str, tuple[float, Status]] = {}
        self._lock = threading.Lock()

    def known_revoked(self, name: str, issued_at: int | None) -> bool | None:
        """``is_revoked`` from a fresh remembered status, or None when it must be looked up.

        Lets the event loop answer without a thread hop when the status is fresh.
        """
        with self._lock:
            known = self._known.get(name)
        if known is None or self._clock() - known[0] >= self._seconds:
            return None
        return token_refused(known[1], issued_at)

    def is_revoked(self, name: str, issued_at: int | None) -> bool:
        """Whether the client is revoked, or registered anew after the token was issued."""
        return token_refused(self._status(name), issued_at)

    def _status(self, name: str) -> Status:
        now = self._clock()
        with self._lock:
            known = self._known.get(name)
        if known is not None and now - known[0] < self._seconds:
            return known[1]
        status = client_status(self._engine, name)
        with self._lock:
            if len(self._known) > 4096:
                self._known.clear()  # bounded: clients are few; a flood of names is not kept
            self._known[name] = (now, status)
        return status
