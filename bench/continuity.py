"""Benchmark the continuity rules over a store: a district of hand-built three-source persons.

Each person has a golden record over station, hospital and agency records (about 25
resources). Times the first evaluation (Tasks written), a repeat (nothing changes, nothing
rewritten) and the worklist query, on SQLite. Usage::

    .venv/bin/python bench/continuity.py [--persons 500 2000]

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    """Run the sizes asked for, print the table and RESULT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[500, 2000])
    args = parser.parse_args()
    results = [run(n) for n in args.persons]
    columns = list(results[0])
    print_table("continuity rules over SQLite", columns, [[r[c] for c in columns] for r in results])
    print_result({"runs": results})


if __name__ == "__main__":
    main()
