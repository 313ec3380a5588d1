"""Benchmark of the district simulator: patients per second and bytes written.

Usage: python bench/simulate.py [--sizes 10000,100000] [--years 3] [--seed 1]
Prints a table, then ``RESULT {json}`` on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

from simulators import simulate


def _run(patients: int, years: int, seed: int) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="carehub-sim-"))
    try:
        summary = simulate(patients, years, seed, folder / "out")
        records = sum(summary.records.values())
        return {
            "patients": patients,
            "years": years,
            "seconds": summary.seconds,
            "patients_per_second": round(patients / summary.seconds, 1),
            "records": records,
            "records_per_second": round(records / summary.seconds, 1),
            "bytes_written": summary.bytes_written,
            "files": summary.files,
            "phases": summary.timings,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Run the sizes asked for and print the table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"load average (1 min) at the start: {os.getloadavg()[0]:.2f}")
    rows = [_run(int(n), args.years, args.seed) for n in args.sizes.split(",")]
    print(
        f"{'patients':>9} {'years':>5} {'seconds':>8} {'patients/s':>11} {'records':>10} "
        f"{'records/s':>10} {'MB written':>10} {'files':>6}"
    )
    for r in rows:
        print(
            f"{r['patients']:>9} {r['years']:>5} {r['seconds']:>8.1f} "
            f"{r['patients_per_second']:>11.1f} {r['records']:>10} "
            f"{r['records_per_second']:>10.1f} {int(r['bytes_written']) / 1e6:>10.1f} "  # type: ignore[call-overload]
            f"{r['files']:>6}"
        )
    for r in rows:
        phases = ", ".join(f"{k} {v:.1f}s" for k, v in r["phases"].items())  # type: ignore[attr-defined]
        print(f"  {r['patients']} patients: {phases}")
    # a shared machine: the load average says how much of the two cores this run really had
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(f"load average (1 min) at the end: {machine['load_average_1m']}")
    print("RESULT " + json.dumps({"benchmark": "simulate", "machine": machine, "runs": rows}))


if __name__ == "__main__":
    main()
