"""Benchmark identity resolution: precision, recall, F1 and wall time by population size.

Runs the engine (person rows from FHIR Patients, training, scoring, clustering) on a
labelled synthetic district and compares it with plain exact matching on the resident ID
as typed. Usage::

    .venv/bin/python bench/identity.py                 # 10k, 100k, 500k records
    .venv/bin/python bench/identity.py --sizes 10000 --noise 2

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.identity import (  # noqa: E402
    RESIDENT_ID_SYSTEM,
    IdentitySettings,
    InMemoryDecisionLog,
    pairwise_scores,
    person_row,
    resolve,
)
from tests.identity.identity_synthetic import SyntheticDistrict, generate  # noqa: E402


def exact_id_clusters(patients: list[dict[str, Any]]) -> dict[str, str]:
    """Baseline: records with the same resident ID string (as typed) are one person."""
    cluster_of: dict[str, str] = {}
    for p in patients:
        typed = [
            str(i["value"]).strip().upper()
            for i in p.get("identifier", [])
            if i.get("system") == RESIDENT_ID_SYSTEM and i.get("value")
        ]
        cluster_of[p["id"]] = f"id:{typed[0]}" if typed else f"rec:{p['id']}"
    return cluster_of


def _scores(cluster_of: Mapping[str, str], truth: Mapping[str, str]) -> dict[str, float]:
    s = pairwise_scores(cluster_of, truth)
    return {"precision": s.precision, "recall": s.recall, "f1": s.f1}


def _hard_negatives_merged(cluster_of: Mapping[str, str], district: SyntheticDistrict) -> int:
    return sum(cluster_of[a] == cluster_of[b] for a, b in district.hard_negatives)


def run(size: int, noise: float, settings: IdentitySettings) -> dict[str, Any]:
    """Generate, resolve and score one population size."""
    district = generate(size, seed=size, noise=noise)
    started = time.perf_counter()
    rows = [person_row(p) for p in district.patients]
    rows_s = time.perf_counter() - started
    resolution = resolve(rows, decisions=InMemoryDecisionLog(), settings=settings)
    total_s = time.perf_counter() - started
    started = time.perf_counter()
    baseline = exact_id_clusters(district.patients)
    baseline_s = time.perf_counter() - started
    cluster_of = resolution.clustering.cluster_of
    return {
        "records": len(district.patients),
        "persons": len(set(district.truth.values())),
        "engine": _scores(cluster_of, district.truth)
        | {"seconds": total_s, "person_rows_seconds": rows_s},
        "exact_id": _scores(baseline, district.truth) | {"seconds": baseline_s},
        "review_queue": len(resolution.review_queue),
        "hard_negative_pairs": len(district.hard_negatives),
        "hard_negatives_merged": _hard_negatives_merged(cluster_of, district),
        "golden_persons": len(resolution.clustering.members),
    }


def _table(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'records':>8} {'method':<9} {'precision':>9} {'recall':>7} {'F1':>7} "
        f"{'seconds':>8} {'review':>7} {'hard-neg merged':>16}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        e, b = r["engine"], r["exact_id"]
        hn = f"{r['hard_negatives_merged']}/{r['hard_negative_pairs']}"
        lines.append(
            f"{r['records']:>8} {'engine':<9} {e['precision']:>9.5f} {e['recall']:>7.4f} "
            f"{e['f1']:>7.4f} {e['seconds']:>8.1f} {r['review_queue']:>7} {hn:>16}"
        )
        lines.append(
            f"{'':>8} {'exact ID':<9} {b['precision']:>9.5f} {b['recall']:>7.4f} "
            f"{b['f1']:>7.4f} {b['seconds']:>8.1f} {'-':>7} {'-':>16}"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the sizes asked for and print the table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 500_000])
    parser.add_argument("--noise", type=float, default=1.0, help="error-rate multiplier")
    parser.add_argument(
        "--link-incomplete",
        action="store_true",
        help="link records lacking name or birth date when they match one person only",
    )
    args = parser.parse_args()
    settings = IdentitySettings(link_incomplete_when_unique=args.link_incomplete)
    results = []
    for size in args.sizes:
        results.append(run(size, args.noise, settings))
        print(f"done {size} records in {results[-1]['engine']['seconds']:.1f} s", flush=True)
    print()
    print(
        f"identity resolution, synthetic district, noise x{args.noise}, "
        f"link incomplete when unique: {args.link_incomplete}"
    )
    print(f"thresholds: match {settings.match_threshold}, review {settings.review_threshold}")
    print(_table(results))
    summary = {"noise": args.noise, "link_incomplete": args.link_incomplete, "runs": results}
    print("RESULT " + json.dumps(summary))


if __name__ == "__main__":
    main()
