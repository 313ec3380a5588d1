"""A labelled synthetic district at record level: clean payloads and injected defects.

The simulators write each system's native files; until their connectors land, this builds
the payloads a connector hands to the pipeline (``RECORD_KINDS[kind].model_validate``)
straight from the mapping fixtures, varied per patient, and damages some of them the way
``simulators.defects`` does (same defect kinds, same severities, at the hub's field names).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError

from hub.domain.identifiers import resident_id_check_digit
from hub.domain.records import RECORD_KINDS, SourceRecord
from hub.domain.scales import score_ssrs
from mappings import MappingContext, MappingError, MappingResult, map_record
from tests.mappings.mapping_samples import SAMPLES

#: Rows per patient for each kind (about ten a patient, as DOMAIN.md says a year holds).
ROWS_PER_PATIENT = {
    "station.registration": 1.0,
    "station.follow_up": 4.0,
    "station.emergency": 0.1,
    "station.care_team_member": 0.5,
    "hospital.patient": 1.0,
    "hospital.admission": 0.3,
    "hospital.diagnosis": 0.5,
    "hospital.medication_order": 1.0,
    "hospital.scale_assessment": 0.2,
    "hospital.adt": 0.3,
    "agency.case": 0.3,
    "agency.needs_assessment": 0.1,
    "agency.scale": 0.2,
    "agency.care_plan": 0.1,
    "agency.contact": 0.8,
    "agency.intervention": 0.3,
    "agency.supervision": 0.05,
    "agency.closure": 0.1,
}
#: The fields that tie a record to its patient (varied per patient).
_PATIENT_FIELDS = ("patient_id", "registration_no", "case_id", "client_id", "admission_id")
SEVERITY = {
    "missing_required": "fatal",
    "out_of_range": "fatal",
    "impossible_date": "fatal",
    "unknown_code": "fatal",
    "encoding_damage": "warning",
}

Mutation = Callable[[Any], Any]


def _feb30(value: Any) -> Any:
    return str(value)[:5] + "02-30" + str(value)[10:]


def _month13(value: Any) -> Any:
    return str(value)[:5] + "13" + str(value)[7:]


def _mojibake(value: Any) -> Any:
    return str(value).encode("utf-8").decode("latin-1")


#: kind -> defect -> (field, mutation): the hub-level twin of ``simulators.defects.SPECS``.
DEFECTS: dict[str, dict[str, tuple[str, Mutation]]] = {
    "station.registration": {
        "missing_required": ("diagnosis_code", lambda v: ""),
        "out_of_range": ("loss_reason", lambda v: "8"),
        "impossible_date": ("registered_on", _feb30),
        "unknown_code": ("sex", lambda v: "5"),
        "encoding_damage": ("name", _mojibake),
    },
    "station.follow_up": {
        "missing_required": ("visit_date", lambda v: None),
        "out_of_range": ("risk_level", lambda v: 7),
        "impossible_date": ("visit_date", lambda v: "1899-" + str(v)[5:]),
        "unknown_code": ("adherence", lambda v: "8"),
        "encoding_damage": ("doctor_name", _mojibake),
    },
    "station.emergency": {
        "missing_required": ("occurred_at", lambda v: ""),
        "out_of_range": ("risk_level", lambda v: 9),
        "impossible_date": ("occurred_at", _month13),
        "unknown_code": ("measures", lambda v: [*v, "9"]),
        "encoding_damage": ("description", _mojibake),
    },
    "station.care_team_member": {
        "missing_required": ("name", lambda v: ""),
        "out_of_range": ("since", lambda v: "2999" + str(v)[4:]),
        "impossible_date": ("since", lambda v: str(v)[:5] + "02-31"),
        "unknown_code": ("role", lambda v: "保安"),
        "encoding_damage": ("name", _mojibake),
    },
    "hospital.patient": {
        "missing_required": ("name", lambda v: ""),
        "out_of_range": ("birth_date", lambda v: "2999" + str(v)[4:]),
        "impossible_date": ("birth_date", lambda v: "1970-02-30"),
        "unknown_code": ("sex", lambda v: "X"),
        "encoding_damage": ("address", _mojibake),
    },
    "hospital.admission": {
        "missing_required": ("admitted_at", lambda v: ""),
        "out_of_range": ("treatment_effect", lambda v: "7"),
        "impossible_date": ("discharged_at", lambda v: "1999-01-01T00:00:00"),
        "unknown_code": ("discharge_disposition", lambda v: "8"),
        "encoding_damage": ("recommended_rehabilitation", lambda v: _mojibake(v or "社区康复")),
    },
    "hospital.diagnosis": {
        "missing_required": ("icd10_code", lambda v: ""),
        "out_of_range": ("diagnosis_type", lambda v: "7"),
        "impossible_date": ("diagnosed_at", _feb30),
        "unknown_code": ("icd10_code", lambda v: "F20.X"),
        "encoding_damage": ("diagnosis_name", _mojibake),
    },
    "hospital.medication_order": {
        "missing_required": ("drug_code", lambda v: ""),
        "out_of_range": ("dose", lambda v: -10.0),
        "impossible_date": ("ordered_at", _month13),
        "unknown_code": ("drug_code", lambda v: "YP9999"),
        "encoding_damage": ("drug_name", _mojibake),
    },
    "hospital.scale_assessment": {
        "missing_required": ("scale", lambda v: ""),
        "out_of_range": ("items", lambda v: {**v, "1": 9}),
        "impossible_date": ("assessed_at", _feb30),
        "unknown_code": ("scale", lambda v: "HAMD"),
    },
    "agency.case": {
        "missing_required": ("intake_date", lambda v: None),
        "out_of_range": ("birth_date", lambda v: "2999-01-01"),
        "impossible_date": ("intake_date", _feb30),
        "unknown_code": ("status", lambda v: "unknown_value"),
        "encoding_damage": ("name", _mojibake),
    },
    "agency.contact": {
        "missing_required": ("contact_at", lambda v: None),
        "out_of_range": ("duration_minutes", lambda v: -30),
        "impossible_date": ("contact_at", _feb30),
        "unknown_code": ("mode", lambda v: "unknown_value"),
    },
    "agency.scale": {
        "missing_required": ("assessed_on", lambda v: None),
        "out_of_range": ("items", lambda v: {**v, "5A": 6}),
        "impossible_date": ("assessed_on", _feb30),
        "unknown_code": ("scale", lambda v: "unknown_value"),
    },
    "agency.closure": {
        "missing_required": ("closed_on", lambda v: None),
        "out_of_range": ("goals_achieved", lambda v: 99),
        "impossible_date": ("closed_on", _feb30),
        "unknown_code": ("reason", lambda v: "unknown_value"),
    },
}


@dataclass(frozen=True)
class LabelledRecord:
    """One payload as a connector hands it over, with its injected defect (if any)."""

    kind: str
    key: str
    payload: dict[str, Any]
    defect: str | None = None
    severity: str | None = None


def _resident_id(rng: random.Random) -> str:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 60))
    body = f"110105{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + resident_id_check_digit(body)


def _shift(value: Any, days: int) -> Any:
    if not isinstance(value, str) or len(value) < 10 or value[4] != "-":
        return value
    moved = date.fromisoformat(value[:10]) + timedelta(days=days)
    return moved.isoformat() + value[10:]


def _templates() -> dict[str, dict[str, Any]]:
    out = {kind: record.model_dump(mode="json") for kind, record in SAMPLES.items()}
    ssrs = out["agency.scale"]
    ssrs["reported_total"] = score_ssrs(ssrs["items"]).total  # the fixture's is wrong on purpose
    return out


def _clean(
    template: dict[str, Any], kind: str, patient: int, row: int, rng: random.Random
) -> dict[str, Any]:
    key_field = SAMPLES[kind].key_field
    days = rng.randrange(-200, 200)
    payload = {k: _shift(v, days) for k, v in template.items()}
    for name in _PATIENT_FIELDS:
        if isinstance(payload.get(name), str):
            payload[name] = f"{template[name]}-{patient}"
    payload[key_field] = f"{template[key_field]}-{patient}-{row}"
    if payload.get("resident_id"):
        payload["resident_id"] = _resident_id(rng)
    if kind == "station.follow_up":
        payload["risk_level"] = rng.choice((0, 0, 0, 1, 1, 2, 3))
        payload["adherence"] = rng.choice(("1", "1", "2", "3", "4"))
    return payload


def district(
    patients: int, *, seed: int = 7, defect_rate: float = 0.02
) -> Iterator[LabelledRecord]:
    """Labelled payloads for a district of ``patients``, kind by kind."""
    rng = random.Random(seed)
    templates = _templates()
    for kind, per_patient in ROWS_PER_PATIENT.items():
        specs = DEFECTS.get(kind, {})
        for row in range(int(patients * per_patient)):
            patient = rng.randrange(patients)
            payload = _clean(templates[kind], kind, patient, row, rng)
            key = str(payload[SAMPLES[kind].key_field])
            if specs and rng.random() < defect_rate:
                defect = rng.choice(sorted(specs))
                field_name, mutate = specs[defect]
                payload[field_name] = mutate(payload.get(field_name))
                yield LabelledRecord(kind, key, payload, defect, SEVERITY[defect])
            else:
                yield LabelledRecord(kind, key, payload)


@dataclass
class Score:
    """Defects caught per kind, and clean records flagged."""

    injected: dict[str, int]
    caught: dict[str, int]
    clean: int = 0
    clean_quarantined: int = 0
    clean_warned: int = 0
    missed: list[LabelledRecord] | None = None

    def recall(self, severity: str = "fatal") -> float:
        """Share of injected defects of a severity that were caught."""
        kinds = [k for k, s in SEVERITY.items() if s == severity]
        injected = sum(self.injected.get(k, 0) for k in kinds)
        return sum(self.caught.get(k, 0) for k in kinds) / injected if injected else 1.0


def evaluate(
    records: list[LabelledRecord],
    check_page: Callable[[str, list[Any]], list[list[Any]]],
    *,
    page: int = 2_000,
) -> Score:
    """Parse each payload as the pipeline does, run the page checks, score against labels."""
    from pydantic import ValidationError

    from hub.domain.records import RECORD_KINDS

    score = Score(injected={}, caught={}, missed=[])
    by_kind: dict[str, list[LabelledRecord]] = {}
    for r in records:
        by_kind.setdefault(r.kind, []).append(r)
    for kind, rows in by_kind.items():
        for start in range(0, len(rows), page):
            chunk, parsed, verdicts = rows[start : start + page], [], {}
            for i, r in enumerate(chunk):
                try:
                    parsed.append((i, RECORD_KINDS[kind].model_validate(r.payload)))
                except ValidationError:
                    verdicts[i] = "fatal"
            findings = check_page(kind.split(".")[0], [p for _, p in parsed])
            for (i, _), found in zip(parsed, findings, strict=True):
                if found:
                    fatal = any(f.severity == "fatal" for f in found)
                    verdicts[i] = "fatal" if fatal else "warning"
            for i, r in enumerate(chunk):
                _score_one(score, r, verdicts.get(i))
    return score


def _score_one(score: Score, r: LabelledRecord, verdict: str | None) -> None:
    if r.defect is None:
        score.clean += 1
        score.clean_quarantined += verdict == "fatal"
        score.clean_warned += verdict == "warning"
        return
    score.injected[r.defect] = score.injected.get(r.defect, 0) + 1
    caught = verdict == "fatal" if r.severity == "fatal" else verdict is not None
    score.caught[r.defect] = score.caught.get(r.defect, 0) + int(caught)
    if not caught and score.missed is not None:
        score.missed.append(r)


def map_labelled(labelled: LabelledRecord) -> tuple[SourceRecord, str, MappingResult] | None:
    """(record, source system, mapping) as the ingest makes them; None: quarantined first."""
    system = labelled.kind.split(".")[0]
    context = MappingContext(source_system=system, run_id="t", district_code="110105")
    try:
        record = RECORD_KINDS[labelled.kind].model_validate(labelled.payload)
        return record, system, map_record(record, context)
    except (ValidationError, MappingError):
        return None
