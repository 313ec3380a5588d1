"""Benchmark the mappings: records mapped per second by kind, and resources per record.

Maps copies of one fixture record per kind (keys varied so ids differ) on one core, with
and without serialising every resource to JSON with orjson from ``MappingResult.documents``
(what the ingest does before storing), and, for comparison, parsing every resource into its
fhir.resources model (``MappingResult.resources``, parsed on first use) and serialising that.
Usage::

    .venv/bin/python bench/mappings_throughput.py               # 2,000 records per kind
    .venv/bin/python bench/mappings_throughput.py --per-kind 500

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from _common import print_result, print_table  # noqa: E402

from hub.domain.records import SourceRecord  # noqa: E402
from mappings import MappingContext, map_record  # noqa: E402
from tests.mappings.mapping_samples import SAMPLES  # noqa: E402


def _copies(record: SourceRecord, count: int) -> list[SourceRecord]:
    return [
        record.model_copy(update={record.key_field: f"{record.source_key}-{i}"})
        for i in range(count)
    ]


def _run(records: list[SourceRecord], ctx: MappingContext, serialise: str) -> tuple[float, int]:
    resources = 0
    start = time.perf_counter()
    for record in records:
        result = map_record(record, ctx)
        resources += len(result.documents)
        if serialise == "orjson":
            for document in result.documents:
                orjson.dumps(document)
        elif serialise == "model":
            for resource in result.resources:
                resource.model_dump_json(exclude_none=True)
    return time.perf_counter() - start, resources


def _measure(kind: str, sample: SourceRecord, per_kind: int) -> dict[str, float]:
    """Seconds to map (and serialise) ``per_kind`` copies of one kind's sample."""
    ctx = MappingContext(
        source_system=kind.split(".")[0],
        run_id="bench",
        district_code="110105",
        run_started_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    records = _copies(sample, per_kind)
    map_record(records[0], ctx)  # load the code tables before timing
    seconds, resources = _run(records, ctx, serialise="")
    return {
        "records": len(records),
        "resources": resources,
        "map": seconds,
        "orjson": _run(records, ctx, serialise="orjson")[0],
        "model": _run(records, ctx, serialise="model")[0],
    }


def main() -> None:
    """Measure and print the table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-kind", type=int, default=2000)
    args = parser.parse_args()
    measured = {kind: _measure(kind, s, args.per_kind) for kind, s in sorted(SAMPLES.items())}
    totals = {k: sum(m[k] for m in measured.values()) for k in next(iter(measured.values()))}
    rows = [
        [
            kind,
            f"{m['resources'] / m['records']:.1f}",
            *(round(m["records"] / m[k]) for k in ("map", "orjson", "model")),
        ]
        for kind, m in [*measured.items(), ("all kinds", totals)]
    ]
    print_table(
        "map_record on one core (records/s)",
        ["kind", "resources/record", "map", "map + orjson", "map + model parse + JSON"],
        rows,
    )
    print_result(
        {
            "benchmark": "mappings_throughput",
            "records_per_kind": args.per_kind,
            "records_per_second": round(totals["records"] / totals["map"]),
            "records_per_second_with_orjson": round(totals["records"] / totals["orjson"]),
            "records_per_second_with_model_json": round(totals["records"] / totals["model"]),
            "resources_per_second": round(totals["resources"] / totals["map"]),
            "per_kind_records_per_second": {
                kind: round(m["records"] / m["map"]) for kind, m in measured.items()
            },
        }
    )


if __name__ == "__main__":
    main()
