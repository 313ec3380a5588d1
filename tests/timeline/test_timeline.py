"""The timeline from the mappings' golden files and from hand-built histories."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from hub.timeline import build_timeline, source_systems, timeline_bundle
from tests.continuity.district import D0, three_sources
from tests.continuity.history import History, days

GOLDEN = Path(__file__).parents[1] / "mappings" / "golden"


def _golden_resources() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(GOLDEN.glob("*.json")):
        out += json.loads(path.read_text())["resources"]
    return out


def test_golden_files_give_every_kind_from_the_right_source() -> None:
    resources = _golden_resources()
    events = build_timeline(resources, source_systems(resources))
    kinds = {(e.kind, e.source) for e in events}
    assert {
        ("admission", "hospital"),
        ("discharge", "hospital"),
        ("diagnosis", "hospital"),
        ("home-visit", "station"),
        ("home-visit", "agency"),
        ("risk-change", "station"),
        ("scale-result", "agency"),
        ("scale-result", "hospital"),
        ("care-plan-change", "agency"),
        ("goal-reached", "agency"),
        ("medication-change", "hospital"),
        ("case-closed", "agency"),
        ("emergency", "station"),
        ("class-change", "station"),
        ("needs-assessment", "agency"),
        ("intervention", "agency"),
    } <= kinds
    assert [e.date for e in events] == sorted(e.date for e in events)
    assert all(e.references for e in events)


def test_the_same_resource_from_two_records_is_one_event() -> None:
    resources = _golden_resources()  # hospital.admission and hospital.adt share the Encounter
    events = build_timeline(resources, source_systems(resources))
    admissions = [e for e in events if e.kind == "admission"]
    assert len(admissions) == 1


def test_risk_level_events_only_when_the_level_changes() -> None:
    h = History()
    h.follow_up(D0, risk=1)
    h.follow_up(days(D0, 30), risk=1)
    h.follow_up(days(D0, 60), risk=3)
    events = [
        e
        for e in build_timeline(h.resources, source_systems(h.resources))
        if e.kind == "risk-change"
    ]
    assert [(e.date, e.value) for e in events] == [(D0, 1.0), (days(D0, 60), 3.0)]


def test_summaries_in_chinese_and_english() -> None:
    h = History()
    h.follow_up(D0, mode="VR")
    (event,) = [e for e in build_timeline(h.resources) if e.kind == "phone-contact"]
    assert event.summary("zh").startswith("电话随访")
    assert event.summary("en").startswith("Phone contact")
    assert event.as_dict()["summary"] == {"zh": event.summary("zh"), "en": event.summary("en")}


def test_source_from_the_source_patient_without_provenance() -> None:
    resources, _ = three_sources()
    events = build_timeline(resources, source_systems(resources))
    assert {e.source for e in events} == {"hospital", "station", "agency"}


def test_fhir_form_is_a_collection_with_the_list_first() -> None:
    resources, _ = three_sources()
    events = build_timeline(resources, source_systems(resources))
    bundle = timeline_bundle("w-g", events, resources, base_url="http://x/fhir", language="en")
    assert bundle["type"] == "collection"
    timeline = bundle["entry"][0]["resource"]
    assert timeline["resourceType"] == "List"
    assert [e["date"] for e in timeline["entry"]] == [e.date.isoformat() for e in events]
    behind = {f"{x['resource']['resourceType']}/{x['resource']['id']}" for x in bundle["entry"][1:]}
    assert behind == {ref for e in events for ref in e.references}


def test_fhir_form_is_valid_r4b() -> None:
    from fhir.resources.R4B.bundle import Bundle

    resources, _ = three_sources()
    events = build_timeline(resources, source_systems(resources))
    Bundle.model_validate(
        timeline_bundle("w-g", events, resources, base_url="http://x/fhir", language="zh")
    )


def test_known_details_are_translated_for_the_chinese_ui() -> None:
    resources = _golden_resources()
    events = build_timeline(resources, source_systems(resources))
    visit = next(e for e in events if e.kind == "home-visit" and e.source == "station")
    assert visit.summary("zh") == "家访: 家访（面对面）"
    assert visit.summary("en") == "Home visit: Home visit (face-to-face)"
    scale = next(e for e in events if e.kind == "scale-result" and e.source == "agency")
    assert scale.summary("zh") == "量表结果: SSRS 总分 24"


def _need(h: History, day: Any, domain: str, text: str) -> str:
    need = h.add(
        {
            "resourceType": "Condition",
            "id": f"need-{domain}",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "health-concern",
                        }
                    ]
                }
            ],
            "code": {"text": text},
            "subject": h.subject,
            "recordedDate": day.isoformat(),
        }
    )
    return f"Condition/{need['id']}"


def _intervention(h: History, day: Any, kind: str) -> str:
    done = h.add(
        {
            "resourceType": "Procedure",
            "id": f"iv-{kind}",
            "status": "completed",
            "category": {"coding": [{"system": "http://snomed.info/sct", "code": "410606002"}]},
            "code": {"text": kind},
            "subject": h.subject,
            "performedDateTime": day.isoformat(),
        }
    )
    return f"Procedure/{done['id']}"


def test_needs_assessments_and_interventions_are_agency_events() -> None:
    h = History("a1", source="agency")
    need = _need(h, D0, "income", "家庭经济困难")
    work = _intervention(h, days(D0, 7), "Linking resources")
    h.add(  # an emergency measure is a Procedure too, but not a social-work intervention
        {
            "resourceType": "Procedure",
            "id": "em-1",
            "status": "completed",
            "code": {"text": "police"},
            "subject": h.subject,
            "performedDateTime": D0.isoformat(),
        }
    )
    events = build_timeline(h.resources, source_systems(h.resources))
    picked = [(e.date, e.kind, e.source, e.references) for e in events]
    assert picked == [
        (D0, "needs-assessment", "agency", (need,)),
        (days(D0, 7), "intervention", "agency", (work,)),
    ]
    assert events[1].summary("en") == "Intervention: Linking resources"
    assert events[0].summary("zh") == "需求评估: 家庭经济困难"


def test_follow_up_class_changes_are_events_only_when_the_class_changes() -> None:
    h = History()
    h.follow_up(D0, klass="3")
    h.follow_up(days(D0, 90), klass="3")
    h.follow_up(days(D0, 120), klass="1", risk=3)
    h.follow_up(days(D0, 130), klass="2", risk=1)
    events = [e for e in build_timeline(h.resources) if e.kind == "class-change"]
    assert [(e.date, e.value) for e in events] == [
        (D0, 3.0),
        (days(D0, 120), 1.0),
        (days(D0, 130), 2.0),
    ]


def test_the_station_ending_community_management_says_why() -> None:
    h = History()
    episode = h.station(date(2023, 1, 1), status="lost")
    episode["status"] = "finished"
    episode["period"]["end"] = days(D0, 40).isoformat()
    episode["extension"][0]["valueCoding"]["display"] = "Lost to follow-up"
    case = History("a2", source="agency")
    closed = case.case(days(D0, -100))
    case.resources[-1]["status"] = "finished"
    case.resources[-1]["period"]["end"] = days(D0, 50).isoformat()
    resources = h.resources + case.resources
    events = build_timeline(resources, source_systems(resources))
    ends = [(e.date, e.kind, e.detail) for e in events if e.date >= days(D0, 40)]
    assert ends[0] == (days(D0, 40), "management-status", "Lost to follow-up")
    assert ends[1][:2] == (days(D0, 50), "case-closed")
    assert [e.references for e in events if e.kind == "case-closed"] == [(closed,)]


def _statement(sid: str, day: str, drug: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": sid,
        "status": "active",
        "dateAsserted": day,
        "medicationCodeableConcept": {"text": drug},
        "subject": {"reference": "Patient/p1"},
    }


def test_two_medication_statements_on_one_day_are_ordered_not_compared() -> None:
    """Same-day statements (two drugs reported at one follow-up) do not break the timeline."""
    resources = [
        {"resourceType": "Patient", "id": "p1"},
        _statement("b", "2025-03-01", "clozapine"),
        _statement("a", "2025-03-01", "risperidone"),
        _statement("c", "2025-04-01", "risperidone"),
    ]
    events = build_timeline(resources, source_systems(resources))
    changes = [(e.date, e.detail) for e in events if e.kind == "medication-change"]
    # by reference on the day: a (risperidone), then b (clozapine); c changes back
    assert changes == [
        (date(2025, 3, 1), "risperidone"),
        (date(2025, 3, 1), "clozapine"),
        (date(2025, 4, 1), "risperidone"),
    ]
