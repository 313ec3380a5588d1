"""What the rules need to know about one person, read from their FHIR resources. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.domain.codes import extension_url
from hub.timeline.read import (
    Resource,
    code_of,
    day,
    display_of,
    ref_of,
    reference_of,
    source_systems,
)

__all__ = ["Admission", "Contact", "Episode", "PersonFacts", "Risk", "read_facts"]

_FOLLOW_UP_CLASSES = ("AMB", "HH", "VR")


@dataclass(frozen=True)
class Admission:
    """One inpatient stay (Encounter class IMP)."""

    ref: str
    start: date
    end: date | None


@dataclass(frozen=True)
class Contact:
    """A community follow-up (station AMB/HH/VR) or a response to risk (EMER, referral)."""

    ref: str
    day: date
    kind: str  # follow-up | emergency | referral
    follow_up_class: str | None = None  # 1 unstable, 2 basically stable, 3 stable
    adherence: str | None = None  # smd-adherence code
    risk_level: int | None = None


@dataclass(frozen=True)
class Risk:
    """A risk level assessed (Observation ``risk-level``), and at which encounter."""

    ref: str
    day: date
    level: int
    encounter: str | None


@dataclass(frozen=True)
class Episode:
    """An EpisodeOfCare of a programme, with who is responsible for it."""

    ref: str
    type: str  # community-management | social-work-case | inpatient-stay
    status: str
    start: date | None
    end: date | None
    management_status: str | None
    organization: dict[str, Any] | None  # a Reference
    care_manager: str | None


@dataclass(frozen=True)
class PersonFacts:
    """One person's history as the continuity rules read it."""

    patient_id: str
    street: str | None = None
    admissions: tuple[Admission, ...] = ()
    follow_ups: tuple[Contact, ...] = ()
    responses: tuple[Contact, ...] = ()
    risks: tuple[Risk, ...] = ()
    episodes: tuple[Episode, ...] = ()
    case_plans: tuple[tuple[str, str, date | None, date | None], ...] = ()
    discharge_plans: tuple[tuple[str, str | None], ...] = ()  # (CarePlan ref, encounter ref)
    sources: Mapping[str, str] = field(default_factory=dict)
    organizations: Mapping[str, dict[str, Any]] = field(default_factory=dict)

    def episode(self, episode_type: str) -> Episode | None:
        """The newest episode of a programme, if any."""
        found = [e for e in self.episodes if e.type == episode_type]
        return max(found, key=lambda e: e.start or date.min) if found else None


_EPISODE_STATUS_URL = "management-status"
_STATUS_EXT = extension_url("management-status")
_STREET_EXT = extension_url("sub-district")


def _by_encounter(observations: Iterable[Resource]) -> dict[tuple[str, str], Resource]:
    found: dict[tuple[str, str], Resource] = {}
    for o in observations:
        code = code_of(o.get("code"), "carehub-observation")
        encounter = reference_of(o.get("encounter"))
        if code and encounter:
            found[(encounter, code)] = o
    return found


def _value_code(observation: Resource | None, system: str) -> str | None:
    return code_of((observation or {}).get("valueCodeableConcept"), system) if observation else None


def _statement_adherence(statements: Iterable[Resource]) -> dict[str, str]:
    found: dict[str, str] = {}
    for s in statements:
        encounter = reference_of(s.get("context"))
        for ext in s.get("extension") or []:
            for inner in ext.get("extension") or []:
                code = code_of(inner.get("valueCodeableConcept"), "smd-adherence")
                if encounter and code:
                    found[encounter] = code
    return found


def _follow_up(
    e: Resource, obs: Mapping[tuple[str, str], Resource], adh: Mapping[str, str]
) -> Contact:
    ref = ref_of(e)
    risk = _value_code(obs.get((ref, "risk-level")), "smd-risk-level")
    return Contact(
        ref=ref,
        day=day((e.get("period") or {}).get("start")) or date.min,
        kind="follow-up",
        follow_up_class=_value_code(obs.get((ref, "follow-up-class")), "smd-follow-up-class"),
        adherence=_value_code(obs.get((ref, "adherence")), "smd-adherence") or adh.get(ref),
        risk_level=int(risk) if risk and risk.isdigit() else None,
    )


def _episode(r: Resource) -> Episode:
    status_ext: dict[str, Any] = next(
        (x for x in r.get("extension") or [] if x.get("url") == _STATUS_EXT), {}
    )
    period = r.get("period") or {}
    return Episode(
        ref=ref_of(r),
        type=code_of((r.get("type") or [None])[0], "episode-type") or "",
        status=str(r.get("status", "")),
        start=day(period.get("start")),
        end=day(period.get("end")),
        management_status=code_of(
            {"coding": [status_ext.get("valueCoding") or {}]}, _EPISODE_STATUS_URL
        ),
        organization=r.get("managingOrganization"),
        care_manager=reference_of(r.get("careManager")),
    )


def _typed(resources: Iterable[Resource]) -> dict[str, list[Resource]]:
    grouped: dict[str, list[Resource]] = {}
    for r in resources:
        grouped.setdefault(str(r.get("resourceType")), []).append(r)
    return grouped


def _encounters(
    encounters: list[Resource], obs: Mapping[tuple[str, str], Resource], adh: Mapping[str, str]
) -> tuple[list[Admission], list[Contact], list[Contact]]:
    admissions, follow_ups, responses = [], [], []
    for e in encounters:
        klass = (e.get("class") or {}).get("code")
        start = day((e.get("period") or {}).get("start"))
        if start is None or e.get("status") in ("cancelled", "entered-in-error"):
            continue
        if klass == "IMP":
            end = day((e.get("period") or {}).get("end"))
            admissions.append(Admission(ref_of(e), start, end))
        elif klass in _FOLLOW_UP_CLASSES and code_of(
            (e.get("type") or [None])[0], "smd-follow-up-type"
        ):
            follow_ups.append(_follow_up(e, obs, adh))
        elif klass == "EMER":
            responses.append(Contact(ref_of(e), start, "emergency"))
    return admissions, follow_ups, responses


def _risks(observations: Iterable[Resource]) -> list[Risk]:
    found = []
    for o in observations:
        if code_of(o.get("code"), "carehub-observation") != "risk-level":
            continue
        level = _value_code(o, "smd-risk-level")
        when = day(o.get("effectiveDateTime"))
        if level and level.isdigit() and when:
            found.append(Risk(ref_of(o), when, int(level), reference_of(o.get("encounter"))))
    return sorted(found, key=lambda t: (t.day, t.ref))


def _plans(plans: Iterable[Resource]) -> tuple[list[Any], list[Any]]:
    case_plans, discharge_plans = [], []
    for p in plans:
        category = code_of((p.get("category") or [None])[0], "care-plan-category")
        period = p.get("period") or {}
        if category == "social-work-case-plan":
            case_plans.append(
                (
                    ref_of(p),
                    str(p.get("status", "")),
                    day(period.get("start")),
                    day(period.get("end")),
                )
            )
        elif category == "discharge-plan":
            discharge_plans.append((ref_of(p), reference_of(p.get("encounter"))))
    return case_plans, discharge_plans


def _referrals(requests: Iterable[Resource]) -> list[Contact]:
    return [
        Contact(ref_of(r), when, "referral")
        for r in requests
        if (when := day(r.get("authoredOn")))
        and r.get("status") not in ("revoked", "entered-in-error")
    ]


def _street(patients: Iterable[Resource]) -> str | None:
    for p in patients:
        for ext in p.get("extension") or []:
            if ext.get("url") == _STREET_EXT and ext.get("valueCode"):
                return str(ext["valueCode"])
    return None


def read_facts(patient_id: str, resources: Iterable[Resource]) -> PersonFacts:
    """The facts of one person (``patient_id`` is the golden or only Patient's id)."""
    items = list({ref_of(r): r for r in resources if isinstance(r, dict)}.values())
    typed = _typed(items)
    observations = typed.get("Observation", [])
    admissions, follow_ups, responses = _encounters(
        typed.get("Encounter", []),
        _by_encounter(observations),
        _statement_adherence(typed.get("MedicationStatement", [])),
    )
    emergencies = [
        Contact(ref_of(p), when, "emergency")
        for p in typed.get("Procedure", [])
        if code_of(p.get("code"), "emergency-measure") and (when := day(p.get("performedDateTime")))
    ]
    case_plans, discharge_plans = _plans(typed.get("CarePlan", []))
    return PersonFacts(
        patient_id=patient_id,
        street=_street(typed.get("Patient", [])),
        admissions=tuple(sorted(admissions, key=lambda a: (a.start, a.ref))),
        follow_ups=tuple(sorted(follow_ups, key=lambda c: (c.day, c.ref))),
        responses=tuple(
            sorted(
                responses + emergencies + _referrals(typed.get("ServiceRequest", [])),
                key=lambda c: (c.day, c.ref),
            )
        ),
        risks=tuple(_risks(observations)),
        episodes=tuple(_episode(r) for r in typed.get("EpisodeOfCare", [])),
        case_plans=tuple(case_plans),
        discharge_plans=tuple(discharge_plans),
        sources=source_systems(items),
        organizations={
            ref_of(o): {"reference": ref_of(o), "display": display_of({"text": o.get("name")})}
            for o in typed.get("Organization", [])
        },
    )
