"""Cross-source plausibility on hand-built stored resources: each implausibility is seen."""

from __future__ import annotations

from typing import Any

from hub.domain.codes import identifier_system
from validation.plausibility import cross_source_tallies

RID = "110105198005010013"


def _patient(pid: str, died: str | None = None) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": identifier_system("cn-resident-id"), "value": RID}],
    }
    if died:
        patient["deceasedDateTime"] = died
    return patient


def _encounter(eid: str, pid: str, kind: str, start: str, end: str | None = None) -> dict[str, Any]:
    period = {"start": start, **({"end": end} if end else {})}
    return {
        "resourceType": "Encounter",
        "id": eid,
        "class": {"code": kind},
        "subject": {"reference": f"Patient/{pid}"},
        "period": period,
    }


def _risk(oid: str, pid: str, day: str, level: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "code": {"coding": [{"code": "risk-level"}]},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": day,
        "valueCodeableConcept": {"coding": [{"code": level}]},
    }


def _scale(qid: str, oid: str, items: list[int], total: int) -> list[dict[str, Any]]:
    return [
        {
            "resourceType": "QuestionnaireResponse",
            "id": qid,
            "questionnaire": "https://carehub.org/fhir/Questionnaire/bprs|1.0.0",
            "item": [
                {"linkId": str(i), "answer": [{"valueInteger": v}]} for i, v in enumerate(items)
            ],
        },
        {
            "resourceType": "Observation",
            "id": oid,
            "code": {"coding": [{"code": "bprs-total"}]},
            "derivedFrom": [{"reference": f"QuestionnaireResponse/{qid}"}],
            "valueInteger": total,
        },
    ]


def implausible_district() -> list[dict[str, Any]]:
    """One implausibility of each cross-source kind beside its plausible twin."""
    return [
        _patient("hosp-p"),  # the hospital's and the station's patient share a resident ID
        _patient("stat-p", died="2024-06-01"),
        _encounter("stay", "hosp-p", "IMP", "2024-01-05T14:00:00+08:00", "2024-01-20"),
        _encounter("bad-stay", "hosp-p", "IMP", "2024-03-05", "2024-03-01"),
        _encounter("home-during-stay", "stat-p", "HH", "2024-01-10"),
        _encounter("phone-during-stay", "stat-p", "VR", "2024-01-11"),
        _encounter("after-stay", "stat-p", "AMB", "2024-02-01"),
        _encounter("after-death", "stat-p", "HH", "2024-07-01"),
        _risk("risk-followed", "stat-p", "2024-01-25", "3"),
        _risk("risk-ignored", "stat-p", "2024-04-01", "4"),
        _risk("risk-low", "stat-p", "2024-04-02", "1"),
        *_scale("qr-ok", "total-ok", [1, 2, 3], 6),
        *_scale("qr-bad", "total-bad", [1, 2, 3], 9),
    ]


def test_each_cross_source_implausibility_is_reported_with_its_record() -> None:
    resources = implausible_district()
    tallies = {t.check: t for t in cross_source_tallies(resources)}
    during = tallies["xsource.follow_up_during_stay"]
    assert (during.failed, during.examples) == (1, ["home-during-stay"])
    assert tallies["xsource.discharge_before_admission"].examples == ["bad-stay"]
    risk = tallies["xsource.high_risk_without_action"]
    assert (risk.checked, risk.examples) == (2, ["risk-ignored"])
    assert tallies["xsource.scale_total_mismatch"].examples == ["total-bad"]
    assert tallies["xsource.visits_after_death"].examples == ["after-death"]


def test_an_empty_store_checks_nothing() -> None:
    assert all(t.checked == 0 for t in cross_source_tallies([]))


def test_records_identity_linkage_joined_are_one_person_without_a_shared_resident_id() -> None:
    hospital = {"resourceType": "Patient", "id": "hosp-p"}  # no resident ID in the HIS
    station = {"resourceType": "Patient", "id": "stat-p"}  # a mistyped one, dropped
    stay = _encounter("stay", "hosp-p", "IMP", "2024-01-05", "2024-01-20")
    visit = _encounter("home-during-stay", "stat-p", "HH", "2024-01-10")
    alone = {t.check: t for t in cross_source_tallies([hospital, station, stay, visit])}
    assert alone["xsource.follow_up_during_stay"].failed == 0  # nothing ties them together

    golden = {
        "resourceType": "Patient",
        "id": "golden",
        "link": [
            {"other": {"reference": "Patient/hosp-p"}, "type": "seealso"},
            {"other": {"reference": "Patient/stat-p"}, "type": "seealso"},
        ],
    }
    retired = {  # a retired record points at its successor: that joins nobody
        "resourceType": "Patient",
        "id": "old-golden",
        "link": [{"other": {"reference": "Patient/stat-p"}, "type": "replaced-by"}],
    }
    for order in ([golden, hospital, station, stay, visit], [visit, stay, station, golden]):
        tallies = {t.check: t for t in cross_source_tallies([*order, retired])}
        during = tallies["xsource.follow_up_during_stay"]
        assert (during.failed, during.examples) == (1, ["home-during-stay"])
    unrelated = {t.check: t for t in cross_source_tallies([retired, hospital, stay, visit])}
    assert unrelated["xsource.follow_up_during_stay"].failed == 0
