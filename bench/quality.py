"""Data-quality benchmark: defects caught per kind on a labelled district, and throughput.

    .venv/bin/python bench/quality.py [--patients 100000] [--workers 2]

Builds a labelled district at record level (``tests/validation/labelled.py``: the payloads a
connector hands to the pipeline, with the simulators' defect kinds injected), then

1. scores parse + raw checks against the labels (recall per defect kind, clean records
   flagged), page by page as the ingest does;
2. times the full raw check set over every row (Great Expectations, 50,000-row batches,
   kinds spread over ``--workers`` processes): rows/s and checks/s (row-check evaluations);
3. times the FHIR-level checks on mapped resources of a sample.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import print_result, print_table
from tests.validation.labelled import SEVERITY, LabelledRecord, district, evaluate

BATCH = 50_000


def _check_kind(job: tuple[str, list[dict[str, Any]]]) -> tuple[str, int, int, float]:
    """Raw checks over every row of one kind: (kind, rows, row-check evaluations, seconds)."""
    from validation.raw import RawChecks

    kind, payloads = job
    checks = RawChecks()
    checks.check("warm-up", kind, payloads[:10])
    started, evaluations = time.perf_counter(), 0
    for start in range(0, len(payloads), BATCH):
        outcome = checks.check(kind.split(".")[0], kind, payloads[start : start + BATCH])
        evaluations += sum(t.checked for t in outcome.tallies)
    return kind, len(payloads), evaluations, time.perf_counter() - started


def _throughput(records: list[LabelledRecord], workers: int) -> dict[str, Any]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_kind.setdefault(r.kind, []).append(r.payload)
    jobs = sorted(by_kind.items(), key=lambda kv: -len(kv[1]))
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(_check_kind, jobs))
    wall = time.perf_counter() - started
    rows = [[k, n, e, f"{s:.2f}", f"{n / s:,.0f}"] for k, n, e, s in done]
    print_table("raw checks per kind", ["kind", "rows", "row-checks", "seconds", "rows/s"], rows)
    total_rows, total_checks = sum(d[1] for d in done), sum(d[2] for d in done)
    print(f"raw checks: {total_rows:,} rows, {total_checks:,} row-checks in {wall:.1f}s wall")
    return {
        "rows": total_rows,
        "row_checks": total_checks,
        "wall_seconds": round(wall, 2),
        "rows_per_second": round(total_rows / wall),
        "checks_per_second": round(total_checks / wall),
    }


def _recall(records: list[LabelledRecord]) -> dict[str, Any]:
    from hub.quality.gate import CheckingGate

    score = evaluate(records, CheckingGate().check_records, page=5_000)
    rows = [
        [
            k,
            SEVERITY[k],
            score.injected.get(k, 0),
            score.caught.get(k, 0),
            f"{score.caught.get(k, 0) / score.injected[k]:.3f}" if score.injected.get(k) else "–",
        ]
        for k in sorted(SEVERITY)
    ]
    print_table("defects caught", ["defect", "severity", "injected", "caught", "recall"], rows)
    quarantined = score.clean_quarantined / score.clean
    flagged = (score.clean_quarantined + score.clean_warned) / score.clean
    print(f"clean records: {score.clean}, quarantined {quarantined:.4%}, flagged {flagged:.4%}")
    return {
        "recall_fatal": score.recall("fatal"),
        "recall_warning": score.recall("warning"),
        "clean_records": score.clean,
        "clean_quarantined_rate": quarantined,
        "clean_flagged_rate": flagged,
        "by_defect": {k: [score.injected.get(k, 0), score.caught.get(k, 0)] for k in SEVERITY},
    }


def _fhir(records: list[LabelledRecord], sample: int) -> dict[str, Any]:
    from hub.domain.records import RECORD_KINDS
    from hub.ingest.pipeline import to_json
    from hub.quality.gate import load_bindings
    from mappings import MappingContext, map_record
    from validation.fhir import FhirChecks

    checks, mapped = FhirChecks(load_bindings()), []
    for r in (r for r in records if r.defect is None):
        system = r.kind.split(".")[0]
        context = MappingContext(source_system=system, run_id="bench", district_code="110105")
        record = RECORD_KINDS[r.kind].model_validate(r.payload)
        mapped.append((record, system, [to_json(x) for x in map_record(record, context).resources]))
        if len(mapped) >= sample:
            break
    started, flagged = time.perf_counter(), 0
    for record, system, resources in mapped:
        flagged += bool(checks.check(record, system, resources))
    seconds = time.perf_counter() - started
    count = sum(len(m[2]) for m in mapped)
    print(
        f"FHIR checks: {len(mapped)} records, {count} resources in {seconds:.2f}s, "
        f"{count / seconds:,.0f} resources/s, {flagged} clean records flagged"
    )
    return {
        "fhir_records": len(mapped),
        "fhir_resources_per_second": round(count / seconds),
        "fhir_clean_flagged": flagged,
    }


def main() -> None:
    """Run the benchmark and print its tables and RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fhir-sample", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    records = list(district(args.patients, seed=args.seed))
    print(
        f"district: {args.patients} patients, {len(records):,} raw rows "
        f"({time.perf_counter() - started:.1f}s to build)"
    )
    result: dict[str, Any] = {"patients": args.patients, "workers": args.workers}
    result |= _throughput(records, args.workers)
    result |= _recall(records)
    result |= _fhir(records, args.fhir_sample)
    print_result(result)


if __name__ == "__main__":
    main()
