"""Ground truth matches the emitted bytes: every record has a true person, every defect shows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from simulators import SimulationSummary
from simulators.crosssource import CROSS_SOURCE
from simulators.station import STATION_KEYS
from tests.simulators import readers


def _emitted_keys(out: Path) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for export, (kind, key) in STATION_KEYS.items():
        keys |= {(kind, k) for k in readers.read_station(out, export)[key] if k}
    his = {
        "v_patient": ("hospital.patient", "pat_id"),
        "v_admission": ("hospital.admission", "adm_id"),
        "v_diagnosis": ("hospital.diagnosis", "diag_id"),
        "v_medication_order": ("hospital.medication_order", "order_id"),
        "v_scale_assessment": ("hospital.scale_assessment", "assess_id"),
    }
    for view, (kind, key) in his.items():
        keys |= {(kind, k) for k in readers.read_his(out, view)[key]}
    keys |= {("hospital.adt", k) for k in readers.adt_messages(out)}
    kinds = {
        "cases": "agency.case",
        "needs-assessments": "agency.needs_assessment",
        "scales": "agency.scale",
        "care-plans": "agency.care_plan",
        "contacts": "agency.contact",
        "interventions": "agency.intervention",
        "supervisions": "agency.supervision",
        "closures": "agency.closure",
    }
    for collection, key in readers.agency_collections().items():
        keys |= {(kinds[collection], d[key]) for d in readers.read_agency(out, collection)}
    return keys


@pytest.mark.parametrize("which", ["clean_run", "noisy_run"])
def test_every_emitted_record_maps_to_a_true_person(
    which: str, request: pytest.FixtureRequest
) -> None:
    run: SimulationSummary = request.getfixturevalue(which)
    truth = readers.truth(run.out, "record_persons")
    persons = set(readers.truth(run.out, "persons")["person_id"])
    mapped = set(zip(truth["record_kind"], truth["source_key"], strict=True))
    emitted = _emitted_keys(run.out)
    assert emitted == mapped  # nothing emitted without a person, no truth without a record
    assert set(truth["person_id"]) <= persons
    assert len(truth["record_kind"].unique()) == 18  # every record kind of records.py


def test_the_same_source_key_never_points_at_two_people(noisy_run: SimulationSummary) -> None:
    truth = readers.truth(noisy_run.out, "record_persons")
    per_key = truth.groupby(["record_kind", "source_key"])["person_id"].nunique()
    assert (per_key == 1).all()


def test_clean_run_has_no_defects_and_no_noise(clean_run: SimulationSummary) -> None:
    assert clean_run.defects == {}
    assert len(readers.truth(clean_run.out, "defects")) == 0
    assert len(readers.truth(clean_run.out, "identity_noise")) == 0


def test_noisy_run_has_every_defect_kind(noisy_run: SimulationSummary) -> None:
    kinds = set(readers.truth(noisy_run.out, "defects")["defect"])
    assert kinds == {
        "missing_required",
        "out_of_range",
        "impossible_date",
        "unknown_code",
        "duplicate_row",
        "encoding_damage",
        "truncated_file",
        "malformed_segment",
        *CROSS_SOURCE,
    }


def _station_rows(out: Path) -> dict[str, pd.DataFrame]:
    kinds = {kind: export for export, (kind, _) in STATION_KEYS.items()}
    return {kind: readers.read_station(out, export) for kind, export in kinds.items()}


def test_station_field_defects_are_in_the_files(noisy_run: SimulationSummary) -> None:
    out = noisy_run.out
    defects = readers.truth(out, "defects")
    rows = _station_rows(out)
    key_of = dict(STATION_KEYS.values())
    checked = 0
    for d in defects[defects["source_system"] == "station"].itertuples():
        table = rows[d.record_kind]
        match = table[table[key_of[d.record_kind]] == d.source_key]
        if d.defect == "duplicate_row":
            assert len(match) >= 2
        elif d.defect == "missing_required":
            assert (match[d.field] == "").any()
        elif d.defect in ("out_of_range", "unknown_code", "impossible_date"):
            # a registration key recurs when its status changes: one of its rows is damaged
            assert any(_looks_damaged(d.defect, v) for v in match[d.field])
        else:
            continue
        checked += 1
    assert checked > 10


def _looks_damaged(defect: str, value: str) -> bool:
    """The damaged values the simulator writes (see simulators/defects.py SPECS)."""
    if defect == "impossible_date":
        return (
            "02-30" in value
            or "02-31" in value
            or "-13" in value[4:8]
            or value[:4] in ("1899", "1999")
        )
    return value in {"7", "8", "9", "5", "保安"} or value.endswith(",9") or value[:4] == "2999"


def test_encoding_damage_and_truncation_are_in_the_bytes(noisy_run: SimulationSummary) -> None:
    out = noisy_run.out
    defects = readers.truth(out, "defects")
    csv_damage = defects[
        (defects["defect"] == "encoding_damage")
        & defects["record_kind"].isin(["station.follow_up", "station.emergency"])
    ]
    blob = b"".join(p.read_bytes() for p in (out / "station" / "exports").glob("*.csv"))
    assert len(csv_damage)
    with pytest.raises(UnicodeDecodeError):
        blob.decode("gb18030")
    for d in defects[defects["defect"] == "truncated_file"].itertuples():
        data = (out / d.file).read_bytes()
        assert not data.endswith(b"\r\n")
        assert not data.endswith(b"FTS|1\r")
        assert d.source_key.encode() in data[-400:]


def test_hospital_and_agency_defects_are_in_the_data(noisy_run: SimulationSummary) -> None:
    out = noisy_run.out
    defects = readers.truth(out, "defects")
    messages = readers.adt_messages(out)
    for d in defects[defects["defect"] == "malformed_segment"].itertuples():
        text = messages[d.source_key]
        broken = ("PID^" in text, "\rPV1|1|I\r" in text + "\r", "|20XX0101" in text)
        assert any(broken)
    admissions = readers.read_his(out, "v_admission").set_index("adm_id")
    bad = defects[
        (defects["record_kind"] == "hospital.admission") & (defects["defect"] == "missing_required")
    ]
    for key in bad["source_key"]:
        assert admissions.loc[[key], "adm_time"].isna().any()
    docs = {d["contact_id"]: d for d in readers.read_agency(out, "contacts")}
    for d in defects[defects["record_kind"] == "agency.contact"].itertuples():
        doc = docs[d.source_key]
        if d.defect == "missing_required":
            assert doc["contact_at"] is None
        elif d.defect == "unknown_code":
            assert doc["mode"] == "unknown_value"
        elif d.defect == "duplicate_row":
            original = docs[d.source_key.removesuffix("-D")]
            assert json.dumps({**doc, "contact_id": ""}) == json.dumps(
                {**original, "contact_id": ""}
            )


def test_identity_noise_is_what_the_systems_show(noisy_run: SimulationSummary) -> None:
    out = noisy_run.out
    noise = readers.truth(out, "identity_noise")
    truth = readers.truth(out, "record_persons")
    persons = readers.truth(out, "persons").set_index("person_id")
    cases = {d["case_id"]: d for d in readers.read_agency(out, "cases")}
    owner = dict(zip(truth["source_key"], truth["person_id"], strict=False))
    agency = noise[noise["source_system"] == "agency"]
    assert (agency["noise"] == "pinyin").any()
    for row in agency.itertuples():
        doc, true = cases[row.source_key], persons.loc[owner[row.source_key]]
        if row.noise == "pinyin":
            assert not any("\u4e00" <= c <= "\u9fff" for c in doc["name"])
            assert doc["name"] != true["name"]
        elif row.noise == "missing" and doc["resident_id"] is not None:
            pytest.fail("a missing resident id must be null")
        elif row.noise == "changed":
            assert doc["phone"] != true["phone"]


def test_encoding_damage_in_utf8_files_is_mojibake(noisy_run: SimulationSummary) -> None:
    out = noisy_run.out
    defects = readers.truth(out, "defects")
    damaged = defects[defects["defect"] == "encoding_damage"]
    registrations = readers.read_station(out, "基本信息")
    patients = readers.read_his(out, "v_patient").set_index("pat_id")
    cases = {d["case_id"]: d for d in readers.read_agency(out, "cases")}
    seen = 0
    for d in damaged.itertuples():
        if d.record_kind == "station.registration":
            values = registrations.loc[registrations["登记编号"] == d.source_key, "姓名"]
        elif d.record_kind == "hospital.patient":
            values = [patients.loc[d.source_key, "address"]]
        elif d.record_kind == "agency.case":
            values = [cases[d.source_key]["name"]]
        else:
            continue
        seen += 1
        # UTF-8 bytes of Chinese read as Latin-1 start with a character in U+00E4..U+00E9
        assert any(any("\u00e4" <= c <= "\u00e9" for c in v) for v in values)
    assert seen > 0
