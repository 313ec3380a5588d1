"""Database steps of one write run in order in a worker thread, beside the caller's Python.

A bulk write alternates Python work (stamping, serialising, extracting index rows) and
server work (COPY, index maintenance). Run one after the other, each side idles while the
other works. ``Steps`` runs the database steps in the order given, in one worker thread on
PostgreSQL, while the caller builds the rows of the next chunk: psycopg releases the GIL
while it waits on the server. The caller's transaction is the same: only the worker uses
the connection until ``Steps`` ends, and leaving the block waits for every step, so a
rollback or commit after it never races a step. After a failed step the later ones are
skipped and the first failure is raised. SQLite runs each step at once, in the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

from sqlalchemy import Connection

__all__ = ["Steps"]


class Steps:
    """Database steps run in order, in a worker thread where the database allows it."""

    def __init__(self, conn: Connection) -> None:
        self.threaded = conn.dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(1, "hub-store-write") if self.threaded else None
        self._pending: list[Future[None]] = []
        self._failed = False

    def run(self, step: Callable[..., Any], *args: Any) -> None:
        """Run ``step(*args)`` after the steps given before it (at once without a thread)."""
        if self._pool is None:
            step(*args)
            return
        for done in self._pending:  # fail fast: after a failed step the rest is moot
            failure = done.exception() if done.done() else None
            if failure is not None:
                raise failure
        self._pending.append(self._pool.submit(self._guarded, step, args))

    def _guarded(self, step: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if self._failed:
            return  # the transaction is lost: a later step would only fail again
        try:
            step(*args)
        except BaseException:
            self._failed = True
            raise

    def __enter__(self) -> Steps:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is None:
            return
        self._pool.shutdown(wait=True)  # the connection is idle again from here on
        if error is None:
            for done in self._pending:
                done.result()  # the first failed step's exception, if any
