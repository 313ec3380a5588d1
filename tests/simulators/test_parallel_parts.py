"""A part run beside another runs in a process of its own, and its errors reach the caller."""

from __future__ import annotations

import os
import threading
from functools import partial

import pytest

from simulators.parallel import beside


def test_the_first_part_runs_in_another_process_only_when_parallel() -> None:
    child, here = beside(os.getpid, os.getpid, parallel=True)
    assert here == os.getpid()
    assert child != os.getpid()
    assert beside(os.getpid, os.getpid, parallel=False) == (os.getpid(), os.getpid())


def test_a_threaded_caller_gets_the_part_done() -> None:
    # a fork of a threaded process is what crashed; the spawned part does not inherit threads
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait, daemon=True)
    busy.start()
    try:
        assert beside(partial(sum, range(10)), partial(len, "abc")) == (45, 3)
    finally:
        stop.set()


def test_the_part_error_reaches_the_caller_as_itself() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        beside(partial(int, "not a number"), partial(len, ""))
