"""Hand-built FHIR histories in the shapes the mappings produce (see tests/mappings/golden)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

from hub.domain.codes import code_system_url, identifier_system

Resource = dict[str, Any]
_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_ids = count(1)


def _id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _cc(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": code_system_url(system), "code": code}
    return {"coding": [coding | ({"display": display} if display else {})]}


class History:
    """One person's resources, built up event by event for a test."""

    def __init__(
        self, patient_id: str = "p1", *, source: str = "station", street: str = "110105004"
    ) -> None:
        self.patient_id = patient_id
        self.resources: list[Resource] = [
            {
                "resourceType": "Patient",
                "id": patient_id,
                "extension": [
                    {
                        "url": "https://carehub.org/fhir/StructureDefinition/sub-district",
                        "valueCode": street,
                    }
                ],
                "identifier": [
                    {"system": identifier_system(f"{source}-patient"), "value": patient_id}
                ],
                "name": [{"text": f"患者{patient_id}"}],
            }
        ]
        self.subject = {"reference": f"Patient/{patient_id}"}

    def add(self, resource: Resource) -> Resource:
        """Keep a resource and return it."""
        self.resources.append(resource)
        return resource

    def station(
        self,
        start: date,
        *,
        org: str = "org-s1",
        manager: str = "Practitioner/pd1",
        status: str = "managed",
    ) -> Resource:
        """Registration: Organization and the community-management episode."""
        self.add({"resourceType": "Organization", "id": org, "name": "安贞社区卫生服务中心"})
        return self.add(
            {
                "resourceType": "EpisodeOfCare",
                "id": _id("eoc"),
                "status": "active",
                "extension": [
                    {
                        "url": "https://carehub.org/fhir/StructureDefinition/management-status",
                        "valueCoding": {
                            "system": code_system_url("management-status"),
                            "code": status,
                        },
                    }
                ],
                "type": [_cc("episode-type", "community-management")],
                "patient": self.subject,
                "managingOrganization": {"reference": f"Organization/{org}"},
                "period": {"start": start.isoformat()},
                "careManager": {"reference": manager},
            }
        )

    def follow_up(
        self,
        day: date,
        *,
        klass: str | None = "3",
        risk: int | None = 0,
        adherence: str | None = "1",
        mode: str = "AMB",
    ) -> str:
        """A station follow-up: Encounter and the Observations of its form."""
        enc = self.add(
            {
                "resourceType": "Encounter",
                "id": _id("fu"),
                "status": "finished",
                "class": {"system": _ACT, "code": mode},
                "type": [_cc("smd-follow-up-type", {"AMB": "1", "HH": "2", "VR": "3"}[mode])],
                "subject": self.subject,
                "period": {"start": day.isoformat(), "end": day.isoformat()},
            }
        )
        ref = f"Encounter/{enc['id']}"
        for code, system, value in (
            ("risk-level", "smd-risk-level", risk),
            ("follow-up-class", "smd-follow-up-class", klass),
            ("adherence", "smd-adherence", adherence),
        ):
            if value is not None:
                self.observation(day, code, _cc(system, str(value)), encounter=ref)
        return ref

    def observation(
        self, day: date, code: str, value: dict[str, Any], *, encounter: str | None = None
    ) -> str:
        """An Observation with a coded value (risk level, class, adherence)."""
        obs = self.add(
            {
                "resourceType": "Observation",
                "id": _id("obs"),
                "status": "final",
                "code": _cc("carehub-observation", code),
                "subject": self.subject,
                "effectiveDateTime": day.isoformat(),
                "valueCodeableConcept": value,
                **({"encounter": {"reference": encounter}} if encounter else {}),
            }
        )
        return f"Observation/{obs['id']}"

    def scale(self, day: date, code: str, value: int) -> str:
        """A scale total score Observation."""
        obs = self.add(
            {
                "resourceType": "Observation",
                "id": _id("scale"),
                "status": "final",
                "code": _cc("carehub-observation", code, code.upper().replace("-", " ")),
                "subject": self.subject,
                "effectiveDateTime": day.isoformat(),
                "valueInteger": value,
            }
        )
        return f"Observation/{obs['id']}"

    def admission(self, start: date, end: date | None) -> str:
        """A hospital stay (Encounter IMP)."""
        enc = self.add(
            {
                "resourceType": "Encounter",
                "id": _id("imp"),
                "status": "finished" if end else "in-progress",
                "class": {"system": _ACT, "code": "IMP"},
                "subject": self.subject,
                "period": {
                    "start": f"{start.isoformat()}T10:00:00+08:00",
                    **({"end": f"{end.isoformat()}T10:00:00+08:00"} if end else {}),
                },
                "hospitalization": {
                    "dischargeDisposition": {"coding": [{"code": "home", "display": "Home"}]}
                },
            }
        )
        return f"Encounter/{enc['id']}"

    def discharge_plan(self, encounter: str, day: date) -> str:
        """The hospital's discharge plan for a stay."""
        plan = self.add(
            {
                "resourceType": "CarePlan",
                "id": _id("dp"),
                "status": "active",
                "intent": "plan",
                "category": [
                    _cc("care-plan-category", "discharge-plan", "Hospital discharge plan")
                ],
                "subject": self.subject,
                "encounter": {"reference": encounter},
                "period": {"start": day.isoformat()},
            }
        )
        return f"CarePlan/{plan['id']}"

    def emergency(self, day: date) -> str:
        """Emergency handling by the station (Encounter EMER)."""
        enc = self.add(
            {
                "resourceType": "Encounter",
                "id": _id("emer"),
                "status": "finished",
                "class": {"system": _ACT, "code": "EMER"},
                "subject": self.subject,
                "period": {"start": day.isoformat()},
            }
        )
        return f"Encounter/{enc['id']}"

    def referral(self, day: date) -> str:
        """A referral to the hospital made at a follow-up (ServiceRequest)."""
        request = self.add(
            {
                "resourceType": "ServiceRequest",
                "id": _id("sr"),
                "status": "active",
                "intent": "order",
                "subject": self.subject,
                "authoredOn": day.isoformat(),
            }
        )
        return f"ServiceRequest/{request['id']}"

    def case(self, start: date, *, manager: str = "Practitioner/sw1") -> str:
        """An open social-work case (agency)."""
        eoc = self.add(
            {
                "resourceType": "EpisodeOfCare",
                "id": _id("case"),
                "status": "active",
                "type": [_cc("episode-type", "social-work-case")],
                "patient": self.subject,
                "period": {"start": start.isoformat()},
                "careManager": {"reference": manager},
            }
        )
        return f"EpisodeOfCare/{eoc['id']}"

    def case_plan(self, start: date, end: date | None = None, *, status: str = "active") -> str:
        """A social-work case plan."""
        plan = self.add(
            {
                "resourceType": "CarePlan",
                "id": _id("cp"),
                "status": status,
                "intent": "plan",
                "category": [
                    _cc("care-plan-category", "social-work-case-plan", "Social-work case plan")
                ],
                "subject": self.subject,
                "created": start.isoformat(),
                "period": {"start": start.isoformat(), **({"end": end.isoformat()} if end else {})},
            }
        )
        return f"CarePlan/{plan['id']}"


def days(start: date, n: int) -> date:
    """``n`` days after ``start``."""
    return start + timedelta(days=n)
