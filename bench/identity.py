"""Benchmark identity resolution: precision, recall, F1 and wall time by population size.

Runs the engine (person rows from FHIR Patients, training, scoring, clustering) on a
labelled synthetic district and compares it with plain exact matching on the resident ID
as typed. Usage::

    .venv/bin/python bench/identity.py                 # 10k, 100k, 500k records
    .venv/bin/python bench/identity.py --sizes 10000 --noise 2
    .venv/bin/python bench/identity.py --sizes --store 20000   # stored state, +1% sync

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
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
    reject,
    resolve,
    update,
)
from tests.identity.identity_synthetic import SyntheticDistrict, generate  # noqa: E402

_SEX = {"M": "male", "F": "female", "1": "male", "2": "female", "male": "male", "female": "female"}


def _patient(system: str, key: str, person: Mapping[str, Any]) -> dict[str, Any]:
    """A source Patient as the mappings shape one (name text, resident ID, guardian)."""
    ident = [{"system": f"https://carehub.org/fhir/sid/{system}-patient", "value": key}]
    if person.get("resident_id"):
        ident.append({"system": RESIDENT_ID_SYSTEM, "value": person["resident_id"]})
    fields = {
        "name": [{"use": "official", "text": person["name"]}] if person.get("name") else None,
        "gender": _SEX.get(str(person.get("sex"))),
        "birthDate": person.get("birth_date") or None,
        "telecom": [{"system": "phone", "value": person["phone"]}] if person.get("phone") else None,
        "address": [{"text": person["address"]}] if person.get("address") else None,
        "contact": [{"name": {"text": person["guardian_name"]}}]
        if person.get("guardian_name")
        else None,
    }
    patient = {"resourceType": "Patient", "id": f"{system}-{key}", "identifier": ident}
    return patient | {k: v for k, v in fields.items() if v}


def _hospital(out: Path) -> Iterator[dict[str, Any]]:
    sql = (
        "SELECT pat_id, pat_name, sex_code, birth_dt, id_card_no, phone, address, "
        "guardian_name FROM v_patient"
    )
    names = ("name", "sex", "birth_date", "resident_id", "phone", "address", "guardian_name")
    with sqlite3.connect(out / "hospital" / "his.sqlite") as con:
        for key, *values in con.execute(sql):
            yield _patient("hospital", key, dict(zip(names, values, strict=True)))


def _station(out: Path) -> Iterator[dict[str, Any]]:
    from openpyxl import load_workbook

    headers = {
        "姓名": "name",
        "性别": "sex",
        "出生日期": "birth_date",
        "身份证号": "resident_id",
        "联系电话": "phone",
        "现住址": "address",
        "监护人姓名": "guardian_name",
    }
    latest: dict[str, dict[str, Any]] = {}  # a later row supersedes an earlier one
    for path in sorted((out / "station" / "exports").glob("基本信息_*.xlsx")):
        rows = load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True)
        header = [str(h) for h in next(rows)]
        for row in rows:
            record = dict(zip(header, row, strict=False))
            person = {headers[h]: record.get(h) for h in headers}
            latest[str(record["登记编号"])] = person
    for key, person in latest.items():
        yield _patient("station", key, person)


def _agency(out: Path) -> Iterator[dict[str, Any]]:
    with sqlite3.connect(out / "agency" / "agency.sqlite") as con:
        for key, doc in con.execute("SELECT id, doc FROM cases"):
            yield _patient("agency", key, json.loads(doc))


def simulated_district(patients: int, seed: int) -> SyntheticDistrict:
    """Patients from the district simulator (simulators/), with its ground truth."""
    import pandas as pd

    from simulators import simulate

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        simulate(patients, 1, seed, out)
        records = [*_hospital(out), *_station(out), *_agency(out)]
        truth_rows = pd.read_parquet(out / "truth" / "record_persons.parquet")
        negatives = pd.read_parquet(out / "truth" / "hard_negatives.parquet")
    truth = {
        f"{system}-{key}": person
        for system, key, person in truth_rows[
            ["source_system", "source_key", "person_id"]
        ].itertuples(index=False)
    }
    district = SyntheticDistrict(patients=[p for p in records if p["id"] in truth])
    district.truth = {p["id"]: truth[p["id"]] for p in district.patients}
    by_person: dict[str, list[str]] = {}
    for key, person in district.truth.items():
        by_person.setdefault(person, []).append(key)
    for a, b in negatives[["person_a", "person_b"]].itertuples(index=False):
        district.hard_negatives += [
            (x, y) for x in by_person.get(a, []) for y in by_person.get(b, [])
        ]
    return district


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


def run(district: SyntheticDistrict, settings: IdentitySettings) -> dict[str, Any]:
    """Resolve and score one district."""
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
        "load_average_1m": os.getloadavg()[0],  # the machine is shared: read times with it
    }


def _timed(action: Callable[[], Any]) -> tuple[Any, float]:
    """The action's result and its wall time in seconds."""
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def run_incremental(
    district: SyntheticDistrict, settings: IdentitySettings, share: float
) -> dict[str, Any]:
    """Link the last share of records as new, then one reviewer decision, both ways.

    Each change is applied incrementally (``update``) and by a full relink with the same
    model; the clusters must be the same.
    """
    rows = [person_row(p) for p in district.patients]
    random.Random(1).shuffle(rows)  # new records of known persons, not only new persons
    cut = int(len(rows) * (1 - share))
    log = InMemoryDecisionLog()
    base = resolve(rows[:cut], decisions=log, settings=settings)
    grown, inc_s = _timed(
        lambda: update(rows[:cut], rows[cut:], previous=base, decisions=log, settings=settings)
    )
    full, full_s = _timed(lambda: resolve(rows, decisions=log, settings=settings, model=base.model))
    same_after_sync = grown.resolution.clustering.members == full.clustering.members
    left, right = next(m for m in grown.resolution.clustering.members.values() if len(m) > 1)[:2]
    reject(log, left, right, reviewer="bench", at=datetime.now(UTC), reason="bench")
    decided, dec_s = _timed(
        lambda: update(
            grown.rows,
            [],
            previous=grown.resolution,
            decisions=log,
            settings=settings,
            seeds=[left, right],
        )
    )
    full2, full2_s = _timed(
        lambda: resolve(rows, decisions=log, settings=settings, model=base.model)
    )
    scores = _scores(grown.resolution.clustering.cluster_of, district.truth)
    return {
        "load_average_1m": os.getloadavg()[0],
        "existing": cut,
        "new": len(rows) - cut,
        "seconds": inc_s,
        "region_after_sync": len(grown.region),
        "full_relink_seconds": full_s,
        "same_clusters_after_sync": same_after_sync,
        "decision_seconds": dec_s,
        "region_after_decision": len(decided.region),
        "full_relink_after_decision_seconds": full2_s,
        "same_clusters_after_decision": (
            decided.resolution.clustering.members == full2.clustering.members
        ),
    } | scores


class _TimedState:
    """The store's identity state, timing each load and save the service asks for."""

    def __init__(self, store: Any) -> None:
        from hub.identity.store_adapters import StoreResolutionState

        self.inner = StoreResolutionState(store)
        self.seconds: dict[str, float] = {}
        self.rows_loaded = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def load_around(self, *args: Any) -> Any:
        view, self.seconds["load"] = _timed(lambda: self.inner.load_around(*args))
        self.rows_loaded = len(view.rows) if view else 0
        return view

    def save_changes(self, *args: Any) -> Any:
        totals, self.seconds["save"] = _timed(lambda: self.inner.save_changes(*args))
        return totals


def run_store(
    district: SyntheticDistrict, settings: IdentitySettings, share: float
) -> dict[str, Any]:
    """On a SQLite store: link all but a share of the records, then sync that share.

    Compares the stored state's load and save in the sync with what the first format
    (the whole run as one JSON document) cost to encode and decode at the same size.
    """
    import orjson

    from hub.identity.codec import state_from_json, state_to_json
    from hub.identity.review import identity_service, relink
    from hub.identity.store_adapters import StoreResolutionState
    from hub.store import open_store

    patients = list(district.patients)
    random.Random(1).shuffle(patients)  # new records of known persons, not only new persons
    cut = int(len(patients) * (1 - share))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'hub.sqlite'}")
        store.write_many(patients[:cut])
        _, relink_s = _timed(lambda: relink(store, settings))
        full = StoreResolutionState(store).load()
        assert full is not None
        text, encode_s = _timed(lambda: orjson.dumps(state_to_json(*full)))
        _, decode_s = _timed(lambda: state_from_json(orjson.loads(text)))
        store.write_many(patients[cut:])
        service = identity_service(store, settings)
        timed = _TimedState(store)
        service.state = timed
        counts, sync_s = _timed(lambda: service.link([p["id"] for p in patients[cut:]]))
        store.engine.dispose()
    return {
        "load_average_1m": os.getloadavg()[0],
        "existing": cut,
        "new": len(patients) - cut,
        "full_relink_seconds": relink_s,
        "old_document_mb": len(text) / 1e6,
        "old_encode_seconds": encode_s,
        "old_decode_seconds": decode_s,
        "new_load_seconds": timed.seconds["load"],
        "new_save_seconds": timed.seconds["save"],
        "new_rows_loaded": timed.rows_loaded,
        "records_relinked": counts["records_relinked"],
        "sync_seconds": sync_s,
    }


def _store_table(r: dict[str, Any]) -> str:
    """The stored-state comparison, as lines."""
    return "\n".join(
        [
            f"stored state, SQLite ({r['existing']} records linked, then a sync of {r['new']}):",
            f"  {'state':<32} {'load s':>8} {'save s':>8}",
            f"  {'old: one document (' + format(r['old_document_mb'], '.1f') + ' MB)':<32} "
            f"{r['old_decode_seconds']:>8.2f} {r['old_encode_seconds']:>8.2f}",
            f"  {'new: rows (' + str(r['new_rows_loaded']) + ' read)':<32} "
            f"{r['new_load_seconds']:>8.2f} {r['new_save_seconds']:>8.2f}",
            f"  whole sync {r['sync_seconds']:.1f} s (re-clustered {r['records_relinked']}), "
            f"first full relink {r['full_relink_seconds']:.1f} s; "
            f"load average (1 min) at the end: {r['load_average_1m']:.1f}",
            "  (old: encode/decode only, its database read and write not counted)",
        ]
    )


def _incremental_table(inc: dict[str, Any]) -> str:
    """Incremental against full relinking, as lines."""
    return "\n".join(
        [
            f"incremental vs full relink ({inc['existing']} records linked, same model):",
            f"  sync of {inc['new']} new records: incremental {inc['seconds']:.1f} s "
            f"(re-clustered {inc['region_after_sync']} records), full relink "
            f"{inc['full_relink_seconds']:.1f} s, same clusters: {inc['same_clusters_after_sync']}"
            f" (P {inc['precision']:.5f}, R {inc['recall']:.4f})",
            f"  one reviewer decision: incremental {inc['decision_seconds']:.2f} s "
            f"(re-clustered {inc['region_after_decision']} records), full relink "
            f"{inc['full_relink_after_decision_seconds']:.1f} s, same clusters: "
            f"{inc['same_clusters_after_decision']}",
            f"  load average (1 min) at the end: {inc['load_average_1m']:.1f}",
        ]
    )


def _table(results: list[dict[str, Any]]) -> str:
    head = (
        f"{'data':<9} {'records':>8} {'method':<9} {'precision':>9} {'recall':>7} {'F1':>7} "
        f"{'seconds':>8} {'review':>7} {'hard-neg merged':>16} {'load':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        e, b = r["engine"], r["exact_id"]
        hn = f"{r['hard_negatives_merged']}/{r['hard_negative_pairs']}"
        lines.append(
            f"{r['data']:<9} {r['records']:>8} {'engine':<9} {e['precision']:>9.5f} "
            f"{e['recall']:>7.4f} {e['f1']:>7.4f} {e['seconds']:>8.1f} "
            f"{r['review_queue']:>7} {hn:>16} {r['load_average_1m']:>5.1f}"
        )
        lines.append(
            f"{'':<9} {'':>8} {'exact ID':<9} {b['precision']:>9.5f} {b['recall']:>7.4f} "
            f"{b['f1']:>7.4f} {b['seconds']:>8.1f} {'-':>7} {'-':>16}"
        )
    return "\n".join(lines)


def _arguments() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 500_000])
    parser.add_argument("--noise", type=float, default=1.0, help="error-rate multiplier")
    parser.add_argument(
        "--simulator",
        type=int,
        nargs="*",
        default=[],
        metavar="PATIENTS",
        help="also run on the district simulator with this many registered patients",
    )
    parser.add_argument(
        "--link-incomplete",
        action="store_true",
        help="link records lacking name or birth date when they match one person only",
    )
    parser.add_argument(
        "--incremental",
        type=int,
        default=0,
        metavar="RECORDS",
        help="also link the last 1%% of a district of RECORDS as new records and one decision, "
        "incrementally and by a full relink",
    )
    parser.add_argument(
        "--store",
        type=int,
        default=0,
        metavar="RECORDS",
        help="also link RECORDS less 1%% on a SQLite store, then sync the 1%%: stored state "
        "load and save against the one-document format",
    )
    return parser.parse_args()


def _runs(args: argparse.Namespace, settings: IdentitySettings) -> list[dict[str, Any]]:
    """One result per generator size and per simulator size."""
    results = []
    for size in args.sizes:
        results.append(run(generate(size, seed=size, noise=args.noise), settings))
        results[-1]["data"] = "generator"
        print(f"done {size} records in {results[-1]['engine']['seconds']:.1f} s", flush=True)
    for patients in args.simulator:
        results.append(run(simulated_district(patients, seed=patients), settings))
        results[-1]["data"] = "simulator"
        print(f"done simulator, {patients} patients", flush=True)
    return results


def main() -> None:
    """Run the sizes asked for and print the table and the RESULT line."""
    args = _arguments()
    settings = IdentitySettings(link_incomplete_when_unique=args.link_incomplete)
    results = _runs(args, settings)
    incremental = None
    if args.incremental:
        district = generate(args.incremental, seed=args.incremental, noise=args.noise)
        incremental = run_incremental(district, settings, share=0.01)
    stored = None
    if args.store:
        district = generate(args.store, seed=args.store, noise=args.noise)
        stored = run_store(district, settings, share=0.01)
    print()
    print(
        f"identity resolution, noise x{args.noise} (generator), "
        f"link incomplete when unique: {args.link_incomplete}"
    )
    print(f"thresholds: match {settings.match_threshold}, review {settings.review_threshold}")
    print(_table(results))
    if incremental:
        print(_incremental_table(incremental))
    if stored:
        print(_store_table(stored))
    summary = {
        "noise": args.noise,
        "link_incomplete": args.link_incomplete,
        "runs": results,
        "incremental": incremental,
        "store": stored,
    }
    print("RESULT " + json.dumps(summary))


if __name__ == "__main__":
    main()
