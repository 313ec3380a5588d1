"""End-to-end ingest: a simulated district synced into PostgreSQL, then synced again unchanged.

Usage: ``python bench/ingest.py [patients=10000] [years=3] [--workers=N] [--profile]``.

Each sync is what ``hub sync`` runs: pull, land, raw checks, map, FHIR checks, store (with
Provenance), identity linkage after all sources, and the quality report saved. Prints source
records/s and FHIR resources/s overall and per stage, beside the store-only rate
(bench/store_write.py's bulk create) measured on the same machine in the same run, and the
load average (the machine is shared: read every rate beside it). ``--workers`` sets the
mapping processes (default: one per CPU core; 0 maps in the ingest process). With
``--profile`` the first sync runs under cProfile (in-process mapping is profiled; worker
processes are not) and the functions taking the most time are printed.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import print_result, print_table, scratch_postgres
from store_write import bulk_rates

from hub.commands.sync import run_configured
from hub.ingest.report import SourceReport
from hub.ingest.sources import load_sources
from hub.store import open_store

#: Stages in pipeline order: where they run, and whose records they count.
STAGES = [
    ("pull", "main"),
    ("prepare", "main"),
    ("parse", "workers"),
    ("raw_checks", "workers"),
    ("map", "workers"),
    ("fhir_checks", "workers"),
    ("land", "main"),
    ("references", "main"),
    ("store", "main"),
    ("outcomes", "main"),
    ("unpack", "main"),
    ("wait", "main"),
]

#: (wall seconds, CPU seconds of this process, reports)
Sync = tuple[float, float, list[SourceReport]]


def _sync(url: str, sources: Path, workers: int) -> Sync:
    config = load_sources(sources)
    store = open_store(url)
    start, cpu = time.perf_counter(), time.process_time()
    reports = run_configured(store, config, None, quiet=True, workers=workers)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    store.engine.dispose()
    return elapsed, cpu, reports


def _profiled(url: str, sources: Path, workers: int) -> Sync:
    profile = cProfile.Profile()
    result: Sync = profile.runcall(_sync, url, sources, workers)
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(35)
    print(text.getvalue())
    return result


def _option(name: str, default: int) -> int:
    for arg in sys.argv[1:]:
        if arg.startswith(f"--{name}="):
            return int(arg.split("=", 1)[1])
    return default


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    patients = int(args[0]) if args else 10_000
    years = int(args[1]) if len(args) > 1 else 3
    workers = _option("workers", os.cpu_count() or 1)
    from simulators.simulate import simulate

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        summary = simulate(patients, years, 20261123, Path(tmp))
        print(
            f"simulated {patients:,} patients x {years} years in {time.perf_counter() - began:.1f}s"
        )
        sources = Path(tmp) / "sources.toml"
        with scratch_postgres() as url:
            sync = _profiled if "--profile" in sys.argv else _sync
            first = sync(url, sources, workers)
            second = _sync(url, sources, workers)
        with scratch_postgres() as url:
            rates, _cpu = bulk_rates(url, 20_000, 2_000)
            store_only = rates["create"]
    loads = (load_before, os.getloadavg())
    _report(summary.records, first, second, store_only, workers, loads)


def _stage_rows(reports: list[SourceReport], elapsed: float) -> list[list[Any]]:
    """Seconds, records/s and resources/s per stage, summed over the sources."""
    pulled = sum(r.pulled for r in reports)
    processed = sum(r.stored + r.quarantined for r in reports)
    resources = sum(r.resources_stored for r in reports)
    rows: list[list[Any]] = []
    for stage, where in STAGES:
        seconds = sum(r.stage_seconds.get(stage, 0.0) for r in reports)
        records = pulled if stage in ("pull", "prepare") else processed
        rows.append(
            [
                stage,
                where,
                round(seconds, 1),
                records / seconds if seconds else "-",
                resources / seconds if seconds and stage != "pull" else "-",
            ]
        )
    link = reports[0].stage_seconds.get("link (whole sync)", 0.0) if reports else 0.0
    rows.append(["link (after all sources)", "main", round(link, 1), "-", "-"])
    rows.append(["whole sync", "all", round(elapsed, 1), pulled / elapsed, resources / elapsed])
    return rows


def _report(
    expected: dict[str, int],
    first: Sync,
    second: Sync,
    store_only: float,
    workers: int,
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> None:
    (t1, main_cpu, r1), (t2, _, r2) = first, second
    pulled = sum(r.pulled for r in r1)
    resources = sum(r.resources_stored for r in r1)
    worker_cpu = sum(r.stage_seconds.get("worker_cpu", 0.0) for r in r1)
    per_cpu_second = resources / (main_cpu + worker_cpu)
    print_table(
        "first sync, by source",
        ["source", "status", "pulled", "stored", "quarantined", "unchanged", "resources", "s"],
        [
            [
                *(r.source, r.status, r.pulled, r.stored, r.quarantined, r.unchanged),
                *(r.resources_stored, f"{r.duration_seconds:.1f}"),
            ]
            for r in r1
        ],
    )
    for r in r1:
        if r.error:
            print(f"{r.source}: {r.error}")
    print_table(
        f"first sync, by stage ({workers} mapping workers; worker stages are summed over them)",
        ["stage", "runs in", "seconds", "records/s", "resources/s"],
        _stage_rows(r1, t1),
    )
    load = f"{loads[0][0]:.1f} -> {loads[1][0]:.1f}"
    print_table(
        "ingest rates (PostgreSQL)",
        ["measure", "value"],
        [
            ["source records/s (first sync)", pulled / t1],
            ["FHIR resources/s (first sync)", resources / t1],
            ["store-only resources/s (store_write bulk create)", store_only],
            ["first sync seconds", round(t1, 1)],
            ["re-sync seconds (no change)", round(t2, 1)],
            ["re-sync share of first", f"{t2 / t1:.1%}"],
            ["load average (1 min), start -> end", load],
            ["CPU seconds: ingest process + mapping workers", f"{main_cpu:.0f} + {worker_cpu:.0f}"],
            ["FHIR resources per CPU second (PostgreSQL's own CPU not counted)", per_cpu_second],
            ["-> bound on an idle 2-core machine, 2 x that", 2 * per_cpu_second],
        ],
    )
    print(
        f"targets: 3,000 resources/s -> {'met' if resources / t1 >= 3000 else 'NOT met'}; "
        f"re-sync < 10% -> {'met' if t2 < 0.1 * t1 else 'NOT met'}"
    )
    print_result(
        {
            "records_expected": sum(expected.values()),
            "records_pulled": pulled,
            "resources_stored": resources,
            "first_seconds": round(t1, 2),
            "resync_seconds": round(t2, 2),
            "records_per_s": round(pulled / t1),
            "resources_per_s": round(resources / t1),
            "store_only_per_s": round(store_only),
            "cpu_seconds_main": round(main_cpu, 1),
            "cpu_seconds_workers": round(worker_cpu, 1),
            "resources_per_cpu_second": round(per_cpu_second),
            "resync_pulled": sum(r.pulled for r in r2),
            "workers": workers,
            "stage_seconds": {
                stage: round(sum(r.stage_seconds.get(stage, 0.0) for r in r1), 2)
                for stage, _ in STAGES
            },
            "load_average_1min": [round(loads[0][0], 2), round(loads[1][0], 2)],
            "failed_sources": [r.source for r in r1 if r.status != "succeeded"],
        }
    )


if __name__ == "__main__":
    main()
