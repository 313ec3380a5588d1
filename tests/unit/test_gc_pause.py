"""The pause of the garbage collector (page mapping, batch writes): counted, restored as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from hub.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def _collection_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_collection_is_paused_in_the_block_and_back_on_after() -> None:
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_comes_back_after_an_error() -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("the write failed")
    assert gc.isenabled()


def test_nested_pauses_restore_collection_only_when_the_outer_one_ends() -> None:
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_switched_off_by_the_application_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_of_two_threads_the_last_one_out_restores_collection() -> None:
    # thread A pauses, B pauses, A leaves (B still writing: still paused), B leaves
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with gc_paused():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def second() -> None:
        a_in.wait(5)
        with gc_paused():
            b_in.set()
            a_out.wait(5)
            seen["while B writes"] = gc.isenabled()
        seen["after both"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"while B writes": False, "after both": True}


def test_a_batch_write_runs_paused_and_leaves_collection_as_it_found_it() -> None:
    from hub.search.extract import index_rows
    from hub.store import FhirStore, open_store

    during: list[bool] = []

    def indexer(document: dict[str, Any], resource_id: str, rows: Any) -> None:
        during.append(gc.isenabled())
        index_rows(document, resource_id, rows)

    store = FhirStore(open_store("sqlite://").engine, indexer=indexer)
    store.write_many([{"resourceType": "Patient", "id": f"p{i}"} for i in range(3)])
    assert during == [False, False, False]
    assert gc.isenabled()
    store.engine.dispose()
