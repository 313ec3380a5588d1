"""End-to-end ingest: a simulated district synced into PostgreSQL, then synced again unchanged.

Usage: ``python bench/ingest.py [patients=10000] [years=3] [--profile]``. Prints source
records/s and FHIR resources/s beside the store-only rate (bench/store_write.py's
``store_rate``) measured on the same machine in the same run. With ``--profile`` the first
sync runs under cProfile and the functions taking the most time are printed.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import print_result, print_table, scratch_postgres
from store_write import store_rate, synthetic

from hub.commands.sync import simulated_agency
from hub.config import read_secret
from hub.ingest.report import SourceReport
from hub.ingest.runner import default_factory, run_sync
from hub.ingest.sources import load_sources
from hub.store import open_store
from hub.wiring import quality_gate


def _sync(url: str, sources: Path) -> tuple[float, list[SourceReport]]:
    config = load_sources(sources)
    store = open_store(url)
    with simulated_agency(config) as simulated:

        def secret(name: str) -> str | None:
            return read_secret(name) or simulated.get(name)

        start = time.perf_counter()
        reports = run_sync(
            store=store, config=config, factory=default_factory(secret), gate=quality_gate(store)
        )
        elapsed = time.perf_counter() - start
    store.engine.dispose()
    return elapsed, reports


def _profiled(url: str, sources: Path) -> tuple[float, list[SourceReport]]:
    profile = cProfile.Profile()
    result = profile.runcall(_sync, url, sources)
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(35)
    print(text.getvalue())
    return result


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    patients = int(args[0]) if args else 10_000
    years = int(args[1]) if len(args) > 1 else 3
    from simulators.simulate import simulate

    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        summary = simulate(patients, years, 20261123, Path(tmp))
        print(
            f"simulated {patients:,} patients x {years} years in {time.perf_counter() - began:.1f}s"
        )
        sources = Path(tmp) / "sources.toml"
        with scratch_postgres() as url:
            first = (_profiled if "--profile" in sys.argv else _sync)(url, sources)
            second = _sync(url, sources)
        with scratch_postgres() as url:
            store_only = store_rate(url, synthetic(20_000))
    _report(summary.records, first, second, store_only)


def _report(
    expected: dict[str, int],
    first: tuple[float, list[SourceReport]],
    second: tuple[float, list[SourceReport]],
    store_only: float,
) -> None:
    (t1, r1), (t2, r2) = first, second
    pulled = sum(r.pulled for r in r1)
    resources = sum(r.resources_stored for r in r1)
    rows: list[list[Any]] = [
        [
            r.source,
            r.status,
            r.pulled,
            r.stored,
            r.quarantined,
            r.unchanged,
            r.resources_stored,
            f"{r.duration_seconds:.1f}",
        ]
        for r in r1
    ]
    print_table(
        "first sync, by source",
        ["source", "status", "pulled", "stored", "quarantined", "unchanged", "resources", "s"],
        rows,
    )
    for r in r1:
        if r.error:
            print(f"{r.source}: {r.error}")
    print_table(
        "ingest rates (PostgreSQL)",
        ["measure", "value"],
        [
            ["source records/s (first sync)", pulled / t1],
            ["FHIR resources/s (first sync)", resources / t1],
            ["store-only resources/s (store_rate)", store_only],
            ["first sync seconds", round(t1, 1)],
            ["re-sync seconds (no change)", round(t2, 1)],
            ["re-sync share of first", f"{t2 / t1:.1%}"],
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
            "resync_pulled": sum(r.pulled for r in r2),
            "failed_sources": [r.source for r in r1 if r.status != "succeeded"],
        }
    )


if __name__ == "__main__":
    main()
