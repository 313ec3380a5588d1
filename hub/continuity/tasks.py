"""Findings -> FHIR Tasks for the worklist, and the closing of Tasks. Pure."""

from __future__ import annotations

from datetime import date
from typing import Any

from hub.continuity.facts import PersonFacts
from hub.continuity.rules import Finding, Rule
from hub.domain.codes import code_system_url, extension_url, identifier_system
from hub.domain.identifiers import stable_id

__all__ = [
    "RULE_SYSTEM",
    "STREET_URL",
    "close_task",
    "gap_task",
    "owner_of",
    "source_organization",
    "task_id",
]

#: CodeSystem of the continuity rules (Task.code).
RULE_SYSTEM = code_system_url("continuity-rule")
STREET_URL = extension_url("sub-district")
_EVIDENCE = {"coding": [{"system": code_system_url("continuity-evidence"), "code": "evidence"}]}
_CLOSING = {"coding": [{"system": code_system_url("continuity-evidence"), "code": "closed-by"}]}
_EPISODE = {
    "station": "community-management",
    "agency": "social-work-case",
    "hospital": "inpatient-stay",
}


def task_id(rule: str, patient_id: str, key: str) -> str:
    """Stable Task id from rule, patient and evidence: a re-evaluation updates, never duplicates."""
    return stable_id("carehub", "Task", f"continuity|{rule}|{patient_id}|{key}")


#: The organisation behind a source system when its records name none (zh, en).
_SOURCE_NAMES = {
    "station": ("社区康复站（未注明）", "Community rehabilitation station (not named)"),
    "agency": ("社会工作服务机构", "Social-work agency"),
    "hospital": ("精神专科医院", "Psychiatric hospital"),
}


def source_organization(owner: str) -> dict[str, Any]:
    """The Organization standing for a whole source system (the agency, the hospital).

    The agency's and the hospital's records name no Organization of their own, yet a gap's
    Task must be owned by a real, resolvable one: the service writes these beside the Tasks.
    """
    zh, en = _SOURCE_NAMES[owner]
    return {
        "resourceType": "Organization",
        "id": stable_id("carehub", "Organization", f"source-system|{owner}"),
        "identifier": [{"system": identifier_system("source-system"), "value": owner}],
        "active": True,
        "name": zh,
        "alias": [en],
    }


def owner_of(facts: PersonFacts, owner: str) -> tuple[dict[str, Any], str | None]:
    """(Reference to the responsible organisation, case manager ``Practitioner/id`` or None)."""
    episode = facts.episode(_EPISODE[owner])
    organization = episode.organization if episode else None
    ref = (organization or {}).get("reference")
    if ref:
        known = facts.organizations.get(ref)
        reference = dict(known or organization or {})
    else:  # the records name no Organization: the one standing for the source system
        org = source_organization(owner)
        reference = {"reference": f"Organization/{org['id']}", "display": org["name"]}
    return reference, episode.care_manager if episode else None


def gap_task(finding: Finding, rule: Rule, facts: PersonFacts) -> dict[str, Any]:
    """An open gap as a Task (status requested) owned by the organisation that acts on it."""
    owner, case_manager = owner_of(facts, rule.owner)
    restriction: dict[str, Any] = {"period": {"end": finding.due.isoformat()}}
    if case_manager:
        restriction["recipient"] = [{"reference": case_manager}]
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": task_id(rule.id, facts.patient_id, finding.key),
        "status": "requested",
        "intent": "plan",
        "priority": "urgent" if rule.id == "high-risk-response" else "routine",
        "code": {
            "coding": [{"system": RULE_SYSTEM, "code": rule.id, "display": rule.title[1]}],
            "text": rule.title[0],
        },
        "description": finding.detail,
        "focus": {"reference": finding.evidence[0]},
        "for": {"reference": f"Patient/{facts.patient_id}"},
        "authoredOn": finding.opened.isoformat(),
        "owner": owner,
        "reasonReference": {"reference": finding.key},
        "restriction": restriction,
        "input": [
            {"type": _EVIDENCE, "valueReference": {"reference": e}} for e in finding.evidence
        ],
    }
    if facts.street:
        task["extension"] = [{"url": STREET_URL, "valueCode": facts.street}]
    return task


def close_task(task: dict[str, Any], closed_by: str | None, closed_on: date) -> dict[str, Any]:
    """The Task completed, with the evidence that closed it (or: the rule no longer applies)."""
    done = {k: v for k, v in task.items() if k != "meta"}
    done["status"] = "completed"
    done["executionPeriod"] = {"end": closed_on.isoformat()}
    if closed_by:
        done["output"] = [{"type": _CLOSING, "valueReference": {"reference": closed_by}}]
        done["statusReason"] = {"text": f"closed by {closed_by}"}
    else:
        done["statusReason"] = {
            "text": "the rule no longer applies (episode closed or evidence changed)"
        }
    return done
