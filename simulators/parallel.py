"""Run one part of a simulation in a forked process while the caller does another part."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

__all__ = ["beside"]

A = TypeVar("A")
B = TypeVar("B")


def _child(work: Callable[[], Any], conn: Connection) -> None:
    try:
        conn.send(("ok", work()))
    except BaseException as error:  # the parent re-raises it, with the child's traceback
        conn.send(("error", f"{error!r}\n{traceback.format_exc()}"))
    finally:
        conn.close()


def beside(
    in_child: Callable[[], A],
    here: Callable[[], B],
    *,
    fork: bool = True,
) -> tuple[A, B]:
    """``(in_child(), here())``, the first in a forked process when fork is possible.

    Fork shares the (large) inputs without pickling them; only the child's result travels
    back. Each part writes its own files and draws from its own random streams, so the
    output is the same whether or not the parts run side by side.
    """
    if not fork or "fork" not in multiprocessing.get_all_start_methods():
        first = in_child()
        return first, here()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(in_child, send), daemon=True)
    process.start()
    send.close()
    try:
        second = here()
        status, value = receive.recv()
    finally:
        receive.close()
        process.join()
    if status != "ok":
        raise RuntimeError(f"simulation part failed in its worker process: {value}")
    return value, second
