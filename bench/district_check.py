"""Check a whole synced district, bigger than the tests': the district tests' checks, timed.

Simulates a district with the default noise and defects (scaled like the tests'), syncs it
as ``hub sync`` does (canonical resources, quality gate, identity linkage), then parses
every current resource with fhir.resources R4B, resolves every reference and canonical
reference in the store, checks every code of our CodeSystems, and compares every scale
score the hub stored with the simulator's truth. Prints what was checked and what was
wrong, and the seconds of each step (the machine is shared: the load average is printed
beside them). Usage::

    .venv/bin/python bench/district_check.py [--patients 200] [--years 1] [--postgres]

Exits 1 when any check found a problem. The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import print_result, print_table, scratch_postgres  # noqa: E402
from hub.store import open_store  # noqa: E402
from tests.district.checks import check_district  # noqa: E402
from tests.district.conftest import simulate_district, sync_district  # noqa: E402


@contextmanager
def _database(postgres: bool, work: Path) -> Iterator[str]:
    if postgres:
        with scratch_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{work / 'hub.sqlite'}"


def main() -> int:
    """Simulate, sync, check; print the table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="district-check-") as scratch:
        work = Path(scratch)
        began = time.perf_counter()
        root = simulate_district(work / "district", args.patients, args.years, args.seed)
        seconds["simulate"] = time.perf_counter() - began
        with _database(args.postgres, work) as url:
            store = open_store(url)
            began = time.perf_counter()
            reports = sync_district(root, store)
            seconds["sync"] = time.perf_counter() - began
            began = time.perf_counter()
            check = check_district(store, root / "truth")
            seconds["check"] = time.perf_counter() - began
            store.engine.dispose()
    counts = check.summary()
    failed = [r.source for r in reports.values() if r.status != "succeeded"]
    load = os.getloadavg()
    rows = [[name, value] for name, value in counts.items()]
    rows += [[f"seconds {step}", round(value, 1)] for step, value in seconds.items()]
    rows.append(["load average (1, 5, 15 min)", " ".join(f"{x:.2f}" for x in load)])
    backend = "postgresql" if args.postgres else "sqlite"
    title = f"district check: {args.patients} patients, {args.years} year(s), {backend}"
    print_table(title, ["what", "value"], rows)
    for system in sorted(check.unshipped_systems):
        print("note: codes of a system no module ships as a CodeSystem:", system)
    for finding in (*check.invalid, *check.unresolved, *check.unknown_codes, *check.mismatches)[
        :20
    ]:
        print("problem:", finding)
    problems = (len(check.invalid) + len(check.unresolved) + len(check.unknown_codes)) + len(
        check.mismatches
    )
    print_result(
        {
            "bench": "district_check",
            "patients": args.patients,
            "years": args.years,
            "backend": backend,
            **counts,
            "failed_sources": failed,
            "seconds": {k: round(v, 2) for k, v in seconds.items()},
            "load_average": [round(x, 2) for x in load],
        }
    )
    return 1 if problems or failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
