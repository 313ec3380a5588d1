"""Mapping pages in worker processes while this process pulls, lands and stores.

Parsing, raw checks, mapping and FHIR checks (``PageMapper.map_page``) take most of a sync's
CPU time and touch no database, so they run in a pool of worker processes, one page per task.
Meanwhile the ingest's own process pulls the next pages and commits finished ones, always in
the order they were pulled: a page's landing rows, resources, outcomes and cursor still commit
in one transaction, so a sync killed at any moment resumes from the last committed page.

Each worker holds a copy of the quality gate, made when the pool starts (the gate must
pickle). A gate that implements ``seams.WorkerGate`` hands each page's tallies back, and the
sync's own gate absorbs them; any other gate's state in the workers is not brought back.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from connectors.base import Page, RawRecord
from hub.gc_pause import gc_paused
from hub.ingest.pipeline import PagePipeline, PreparedPage
from hub.ingest.seams import QualityGate, WorkerGate
from hub.ingest.work import PageMapper, PageResult
from mappings import MappingContext

__all__ = ["MappingPool", "PipelinedLanding"]

#: The gate of this worker process (set once, when the worker starts).
_worker_gate: QualityGate | None = None


def _start_worker(gate: QualityGate) -> None:
    global _worker_gate
    _worker_gate = gate
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """End this worker once the ingest process is gone (killed, it cannot stop its pool)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _map_page(context: MappingContext, source: str, records: list[RawRecord]) -> PageResult:
    """A page's mapping, in a worker process."""
    assert _worker_gate is not None, "the worker was started without a gate"
    started = time.process_time()
    with gc_paused():
        result = PageMapper(context, _worker_gate, source).map_page(records)
        result.pack()
    if isinstance(_worker_gate, WorkerGate):
        result.tallies = _worker_gate.drain()
    # CPU time, unlike wall time, does not grow when other processes share the machine
    result.seconds["worker_cpu"] = time.process_time() - started
    return result


class MappingPool:
    """Worker processes that map pages; one pool serves every source of a sync."""

    def __init__(self, workers: int, gate: QualityGate) -> None:
        # spawn, not fork: the ingest process holds database connections and server threads
        # (the simulated agency) that a forked child must not inherit.
        self.gate = gate
        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(gate,),
        )
        self.workers = workers

    def submit(
        self, context: MappingContext, source: str, records: list[RawRecord]
    ) -> Future[PageResult]:
        """Map a page in a worker."""
        return self.executor.submit(_map_page, context, source, records)

    def absorb(self, result: PageResult) -> None:
        """Bring a worker's tallies for one page into the sync's gate."""
        if result.tallies is not None and isinstance(self.gate, WorkerGate):
            self.gate.absorb(result.tallies)

    def close(self) -> None:
        """Stop the workers (pages still queued are dropped)."""
        self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> MappingPool:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()


#: A page is mapped in parts of at least this many records, so that every worker has a
#: share of a big page (a station export file is one page of up to 5,000 rows) while the
#: raw checks' fixed cost per part stays small.
MIN_PART = 500


def parts_of(records: list[RawRecord], workers: int) -> list[list[int]]:
    """The positions of the records each part of a page holds, in page order.

    Parts are runs of the page, except that records sharing a kind and key all go with the
    first of them: the raw checks find a key repeated within the page (``key_unique``), and
    must see the same repeats as if the page were checked whole. Records without a key are
    kept together for the same reason.
    """
    size = max(MIN_PART, -(-len(records) // max(workers, 1)))
    parts: list[list[int]] = [[] for _ in range(0, len(records), size)]
    owner: dict[tuple[str, str | None], int] = {}
    for position, raw in enumerate(records):
        part = owner.setdefault((raw.record_kind, raw.source_key), position // size)
        parts[part].append(position)
    return [part for part in parts if part]


@dataclass
class _InFlight:
    prepared: PreparedPage
    #: (the page positions of the part's records, the part's mapping)
    parts: list[tuple[list[int], Future[PageResult]]]

    def done(self) -> bool:
        return all(future.done() for _, future in self.parts)


class PipelinedLanding:
    """The pipelined landing port of one source's run: map ahead, commit in order."""

    def __init__(self, pipeline: PagePipeline, pool: MappingPool, *, ahead: int = 0) -> None:
        self.pipeline, self.pool = pipeline, pool
        #: Pages mapped ahead of the oldest uncommitted one: enough to keep every worker busy
        #: while this process commits, few enough to bound memory.
        self.ahead = ahead or pool.workers + 1
        self.queue: deque[_InFlight] = deque()

    def submit(self, page: Page) -> list[Page]:
        """Take a page; returns the pages committed meanwhile, oldest first."""
        prepared = self.pipeline.prepare(page)
        fresh, context, source = prepared.fresh, self.pipeline.context, self.pipeline.source
        # nothing new (a re-sync): no part, no worker, so an unchanged sync starts none
        parts = [
            (positions, self.pool.submit(context, source, [fresh[p] for p in positions]))
            for positions in parts_of(fresh, self.pool.workers)
        ]
        self.queue.append(_InFlight(prepared, parts))
        committed = []
        while self.queue and (len(self.queue) > self.ahead or self.queue[0].done()):
            committed.append(self._commit_oldest())
        return committed

    def finish(self) -> list[Page]:
        """Commit every page taken; returns them, oldest first."""
        return [self._commit_oldest() for _ in range(len(self.queue))]

    def abandon(self) -> None:
        """Drop the pages not yet committed (their records are pulled again next time)."""
        while self.queue:
            for _, future in self.queue.popleft().parts:
                future.cancel()

    def _commit_oldest(self) -> Page:
        oldest = self.queue.popleft()
        result = PageResult()
        for positions, future in oldest.parts:
            with self.pipeline.timing("wait"):
                part = future.result()
            with self.pipeline.timing("unpack"):
                part.unpack()
            self.pool.absorb(part)
            result.merge(positions, part)
        self.pipeline.commit(oldest.prepared, result)
        return oldest.prepared.page
