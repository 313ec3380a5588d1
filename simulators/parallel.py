"""Run one part of a simulation in a fresh process while the caller does another part.

The other process is spawned, never forked. The caller may hold threads (a test runner's
portals, a server's workers, native pools of DuckDB or Arrow), and a forked child of a
threaded process can deadlock or crash: CPython documents fork() with threads as unsafe and
warns about it from 3.12. A 40-patient simulation forked from the test process once died in
the child's garbage collector (CI, stop 16). A spawned child starts clean and receives only
the picklable arguments of its part, so a part rebuilds what it needs from them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

__all__ = ["beside"]

A = TypeVar("A")
B = TypeVar("B")


def beside(
    in_child: Callable[[], A],
    here: Callable[[], B],
    *,
    parallel: bool = True,
) -> tuple[A, B]:
    """``(in_child(), here())``, the first in a spawned process when ``parallel``.

    ``in_child`` must pickle (a module-level function, or a ``functools.partial`` of one with
    picklable arguments); its result travels back pickled. Each part writes its own files and
    draws from its own random streams, so the output is the same either way.
    """
    if not parallel:
        first = in_child()
        return first, here()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(in_child)
        second = here()
        try:
            first = future.result()
        except BrokenProcessPool as error:
            raise RuntimeError(
                "the simulation part in the worker process ended without a result "
                "(killed, or out of memory); run again with parallel=False to see its error"
            ) from error
    return first, second
