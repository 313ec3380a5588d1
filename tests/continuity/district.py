"""A small hand-built district: one person known to all three sources, linked by a golden record."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.continuity.history import History, days

D0 = date(2024, 3, 1)
GOLDEN_TAG = {"system": "https://carehub.org/fhir/CodeSystem/identity", "code": "golden"}


def golden(golden_id: str, *members: History) -> list[dict[str, Any]]:
    """The golden Patient linking the members, and the members' links back to it."""
    record = {
        "resourceType": "Patient",
        "id": golden_id,
        "meta": {"tag": [GOLDEN_TAG]},
        "name": [{"text": members[0].resources[0]["name"][0]["text"]}],
        "link": [
            {"other": {"reference": f"Patient/{m.patient_id}"}, "type": "seealso"} for m in members
        ],
    }
    for m in members:
        m.resources[0]["link"] = [{"other": {"reference": f"Patient/{golden_id}"}, "type": "refer"}]
    return [record]


def three_sources(prefix: str = "w") -> tuple[list[dict[str, Any]], dict[str, History]]:
    """Station, hospital and agency records of one person (golden ``{prefix}-g``)."""
    station = History(f"{prefix}-s", source="station")
    station.station(date(2023, 1, 1), org=f"{prefix}-org")
    station.follow_up(days(D0, -40), klass="2", risk=1, adherence="3", mode="HH")
    station.follow_up(days(D0, -30), klass="1", risk=3, adherence="2", mode="VR")
    hospital = History(f"{prefix}-h", source="hospital")
    hospital.admission(days(D0, -25), D0)
    hospital.scale(days(D0, -20), "bprs-total", 45)
    hospital.scale(days(D0, -2), "bprs-total", 31)
    agency = History(f"{prefix}-a", source="agency")
    agency.case(days(D0, -90))
    agency.case_plan(days(D0, -80))
    agency.scale(days(D0, -80), "ssrs-total", 24)
    members = (station, hospital, agency)
    resources = golden(f"{prefix}-g", *members)
    for m in members:
        resources += m.resources
    return resources, {"station": station, "hospital": hospital, "agency": agency}
