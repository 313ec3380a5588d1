"""Benchmark the shipped views and the indicators over a district's Bulk $export NDJSON.

A clean district of ``--base`` patients is simulated and synced into SQLite, exported with
the hub's Bulk $export, and the NDJSON is replicated (ids, references and resident IDs
rewritten per copy) up to ``--patients`` patients. Then: each view on the embedded DuckDB
engine over the whole NDJSON; each view on fhirpathpy over a sample of ``--sample``
resources, extrapolated to the whole file (said so in the table); the fact tables and
every indicator for one month and all areas. Usage::

    .venv/bin/python bench/stats.py [--patients 5000] [--base 300] [--sample 3000]

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from bench._common import print_result, print_table  # noqa: E402
from hub.api.export import ExportManager, ExportRequest  # noqa: E402
from hub.config import FollowUpRules  # noqa: E402
from hub.stats.facts import build_base, build_periods  # noqa: E402
from hub.stats.indicators import INDICATORS, count_categories, count_indicators  # noqa: E402
from hub.stats.periods import parse_period  # noqa: E402
from hub.stats.viewdef import NdjsonFiles, evaluate_view_fhirpath, run_view  # noqa: E402
from hub.stats.views import INDICATOR_VIEWS, flatten, shipped_views  # noqa: E402
from tests.stats.district import synced_district  # noqa: E402

TYPES = ("Patient", "EpisodeOfCare", "Condition", "Encounter", "Observation", "MedicationStatement")
_UUID = re.compile(rb"\b[0-9a-f]{8}-(?=[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)")
_RESIDENT = re.compile(rb'(cn-resident-id","value":")\d{6}')


def export(base: int, work: Path) -> Path:
    """Simulate and sync `base` patients, then Bulk-export the types the views read."""
    district = synced_district(work / "district", base)
    manager = ExportManager(district.store, work)
    job = manager.start(ExportRequest("system", TYPES, None, "bench"))
    while (state := manager.get(job.id)) is not None and state.status == "in-progress":
        time.sleep(0.2)
    return manager.root / job.id


def replicate(source: Path, copies: int, target: Path) -> int:
    """Each NDJSON file `copies` times with per-copy ids and resident IDs; lines written."""
    target.mkdir(parents=True, exist_ok=True)
    lines = 0
    for path in sorted(source.glob("*.ndjson")):
        data = path.read_bytes()
        with (target / path.name).open("wb") as out:
            for k in range(copies):
                copy = _UUID.sub(f"{k:08x}-".encode(), data)
                out.write(_RESIDENT.sub(rb"\g<1>" + f"{k % 1000000:06d}".encode(), copy))
        lines += data.count(b"\n") * copies
    return lines


def time_views(folder: Path, sample: int) -> list[dict[str, Any]]:
    """Each shipped view: DuckDB over everything; fhirpathpy over a sample, extrapolated."""
    rows = []
    for view in shipped_views():
        began = time.perf_counter()
        table = run_view(view, NdjsonFiles(folder))
        duck = time.perf_counter() - began
        files = NdjsonFiles(folder).files_for(view["resource"])
        total = sum(f.read_bytes().count(b"\n") for f in files)
        with files[0].open() as handle:
            resources = [json.loads(line) for line in itertools.islice(handle, sample)]
        began = time.perf_counter()
        evaluate_view_fhirpath(view, resources)
        per = (time.perf_counter() - began) / max(len(resources), 1)
        rows.append(
            {
                "view": view["name"],
                "resources": total,
                "rows": table.num_rows,
                "duckdb_s": round(duck, 3),
                "fhirpathpy_s_extrapolated": round(per * total, 1),
                "fhirpathpy_sample": len(resources),
            }
        )
    return rows


def time_indicators(folder: Path, month: str) -> dict[str, Any]:
    """Flatten once; then facts and every indicator for one month and all areas."""
    con = duckdb.connect()
    began = time.perf_counter()
    flatten(NdjsonFiles(folder), con, INDICATOR_VIEWS)
    flat = time.perf_counter() - began
    rules = FollowUpRules()
    began = time.perf_counter()
    build_base(con, rules)
    base = time.perf_counter() - began
    began = time.perf_counter()
    build_periods(con, [parse_period(month)], rules)
    facts = time.perf_counter() - began
    per: dict[str, float] = {}
    for name, ind in INDICATORS.items():
        began = time.perf_counter()
        num = ind.numerator.format(min_per_year=rules.min_per_year)
        con.sql(
            f"SELECT street, count(*) FILTER (WHERE ({ind.denominator}) AND ({num})),"
            f" count(*) FILTER (WHERE {ind.denominator}) FROM {ind.facts} GROUP BY ROLLUP(street)"
        ).fetchall()
        per[name] = time.perf_counter() - began
    began = time.perf_counter()
    count_indicators(con, "310104", rules)
    count_categories(con, "310104")
    together = time.perf_counter() - began
    return {
        "flatten_s": flat,
        "base_s": base,
        "facts_s": facts,
        "per_indicator_s": per,
        "all_counts_s": together,
    }


def _table(title: str, rows: list[dict[str, Any]]) -> None:
    print_table(title, list(rows[0]), [list(r.values()) for r in rows])


def main() -> None:
    """Run and print the tables and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--base", type=int, default=300)
    parser.add_argument("--sample", type=int, default=3000)
    parser.add_argument("--month", default="2023-10")
    args = parser.parse_args()
    copies = max(1, round(args.patients / args.base))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        began = time.perf_counter()
        lines = replicate(export(args.base, work), copies, work / "ndjson")
        prepared = time.perf_counter() - began
        views = time_views(work / "ndjson", args.sample)
        ind = time_indicators(work / "ndjson", args.month)
    patients = args.base * copies
    _table(f"views over {patients} patients ({lines} resources)", views)
    _table(
        f"indicators, one month ({args.month}), all areas",
        [{"step": k, "seconds": round(v, 4)} for k, v in ind["per_indicator_s"].items()]
        + [
            {"step": "base: persons, visits + gaps, stays", "seconds": round(ind["base_s"], 3)},
            {"step": "facts: person x month, discharges", "seconds": round(ind["facts_s"], 3)},
            {"step": "all indicators + categories", "seconds": round(ind["all_counts_s"], 3)},
        ],
    )
    month_total = ind["base_s"] + ind["facts_s"] + ind["all_counts_s"]
    views_total = sum(v["duckdb_s"] for v in views)
    print_result(
        {
            "patients": patients,
            "replicated_from": args.base,
            "resources": lines,
            "prepare_s": round(prepared, 1),
            "views_total_duckdb_s": round(views_total, 2),
            "views_total_fhirpathpy_s_extrapolated": sum(
                v["fhirpathpy_s_extrapolated"] for v in views
            ),
            "flatten_indicator_views_s": round(ind["flatten_s"], 2),
            "base_tables_s": round(ind["base_s"], 3),
            "one_month_all_indicators_s": round(month_total, 3),
            "target_one_month_under_2s": month_total < 2,
            "target_all_views_under_60s": views_total < 60,
        }
    )


if __name__ == "__main__":
    main()
