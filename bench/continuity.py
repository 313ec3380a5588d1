"""Benchmark the continuity rules over a store, and check them against the simulator's truth.

Part 1: a district of hand-built three-source persons (a golden record over station,
hospital and agency records, about 25 resources each). Times the first evaluation (Tasks
written), a repeat (nothing changes, nothing rewritten) and the worklist query, on SQLite.

Part 2: a clean simulated district (no identity noise, no defects) synced into SQLite as
``hub sync`` does, gaps evaluated on each day the truth was taken (each anniversary of the
start, and the end of the period), and the open Tasks compared with ``truth/gaps.parquet``
per rule, summed over those days: TP, FP, FN, precision, recall. Usage::

    .venv/bin/python bench/continuity.py [--persons 500 2000] [--district 300 --years 3]

``--persons`` with no value skips part 1, ``--district 0`` skips part 2.

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import print_result, print_table  # noqa: E402
from hub.config import FollowUpRules  # noqa: E402
from hub.continuity.rules import ContinuityOptions  # noqa: E402
from hub.continuity.service import evaluate_store  # noqa: E402
from hub.continuity.worklist import worklist  # noqa: E402
from hub.store import open_store  # noqa: E402
from tests.continuity.district import D0, three_sources  # noqa: E402
from tests.continuity.history import days  # noqa: E402
from tests.continuity.truth import district_scores  # noqa: E402


def run(persons: int) -> dict[str, Any]:
    """Load the district, evaluate twice, query the worklist; timings in seconds."""
    options = ContinuityOptions(FollowUpRules())
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/hub.sqlite")
        batch: list[dict[str, Any]] = []
        for i in range(persons):
            batch += three_sources(f"p{i}")[0]
        store.write_many(batch)
        t0 = time.perf_counter()
        first = evaluate_store(store, as_of=days(D0, 15), options=options)
        t1 = time.perf_counter()
        again = evaluate_store(store, as_of=days(D0, 15), options=options)
        t2 = time.perf_counter()
        with store.reading() as session:
            items = worklist(session, rule="discharge-follow-up")
        t3 = time.perf_counter()
        store.engine.dispose()
    return {
        "persons": persons,
        "resources": len(batch),
        "open": first.open,
        "first_s": round(t1 - t0, 2),
        "repeat_s": round(t2 - t1, 2),
        "rewritten_on_repeat": again.written,
        "persons_per_s": round(persons / (t1 - t0)),
        "worklist_rows": len(items),
        "worklist_ms": round((t3 - t2) * 1000, 1),
    }


def accuracy(patients: int, years: int, seed: int) -> dict[str, Any]:
    """Simulate, sync, evaluate and score a clean district against its gap truth."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = district_scores(Path(tmp), patients, years, seed)
        seconds = time.perf_counter() - t0
    rows = [
        {
            "rule": s.rule,
            "tp": s.tp,
            "fp": s.fp,
            "fn": s.fn,
            "precision": round(s.precision, 3),
            "recall": round(s.recall, 3),
        }
        for s in result.scores
    ]
    return {
        "patients": patients,
        "years": years,
        "seed": seed,
        "as_of": result.as_of,
        "unmatched_persons": result.unmatched,
        "seconds": round(seconds, 1),
        "rules": rows,
    }


def main() -> None:
    """Run the sizes asked for, print the tables and RESULT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="*", default=[500, 2000])
    parser.add_argument("--district", type=int, default=300, help="patients; 0 skips")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)  # every covered rule has true gaps
    args = parser.parse_args()
    results = [run(n) for n in args.persons]
    if results:
        columns = list(results[0])
        print_table(
            "continuity rules over SQLite", columns, [[r[c] for c in columns] for r in results]
        )
    truth = accuracy(args.district, args.years, args.seed) if args.district else None
    if truth:
        columns = list(truth["rules"][0])
        print_table(
            f"gaps vs simulator truth: {truth['patients']} patients, {truth['years']} years,"
            f" on {truth['as_of']} ({truth['seconds']} s incl. simulate + sync)",
            columns,
            [[r[c] for c in columns] for r in truth["rules"]],
        )
    print_result({"runs": results, "truth": truth, "load_average": os.getloadavg()})


if __name__ == "__main__":
    main()
