"""Agency case, needs assessment, scales and closure -> Patient, RelatedPerson, EpisodeOfCare
(social-work case), Consent, need Conditions, scale QuestionnaireResponses, closure Task."""

from __future__ import annotations

from typing import Any

from hub.domain.codes import identifier_system
from hub.domain.identifiers import stable_id
from hub.domain.records import (
    AgencyCase,
    AgencyClosure,
    AgencyNeedsAssessment,
    AgencyScaleAssessment,
    NeedItem,
)
from mappings._consent import ConsentFacts, to_consent
from mappings._context import MappingContext, MappingWarning
from mappings._fhir import build, concept, day, extension_url, local_ref, logical_ref, ours, ref
from mappings._observations import ObservationFrame, to_observation
from mappings._people import to_guardian, to_patient, to_practitioner
from mappings._privacy import redact
from mappings._scales import ScaleForm, map_scale
from mappings._terminology import Where, local_code, translate

__all__ = [
    "MAPPING_VERSION",
    "case_key",
    "map_agency_scale",
    "map_case",
    "map_closure",
    "map_needs_assessment",
    "need_key",
    "to_case_team",
]

MAPPING_VERSION = "1.0.0"

_ACTIVE = {
    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
    "code": "active",
    "display": "Active",
}
_HEALTH_CONCERN = {
    "system": "http://hl7.org/fhir/us/core/CodeSystem/condition-category",
    "code": "health-concern",
    "display": "Health Concern",
}


def case_key(case_id: str) -> str:
    """Key of the EpisodeOfCare of one social-work case."""
    return f"case|{case_id}"


def need_key(case_id: str, domain: str) -> str:
    """Key of the Condition for one need domain of a case; later assessments update it."""
    return f"need|{case_id}|{domain}"


def to_case_episode(case: AgencyCase, ctx: MappingContext) -> Any:
    """EpisodeOfCare of the case: open active, on hold onhold, closed finished."""
    where = Where(case.kind, case.source_key)
    status = translate("agency-case-status", case.status, "status", where)["code"]
    referral = (
        local_code("referral-source", case.referral_source, "referral_source", where)
        if case.referral_source
        else None
    )
    return build(
        {
            "resourceType": "EpisodeOfCare",
            "id": stable_id(ctx.source_system, "EpisodeOfCare", case_key(case.case_id)),
            "extension": [{"url": extension_url("referral-source"), "valueCoding": referral}]
            if referral
            else None,
            "identifier": [{"system": identifier_system("agency-case"), "value": case.case_id}],
            "status": status,
            "type": [concept(ours("episode-type", "social-work-case"))],
            "patient": ref(ctx, "Patient", case.client_id),
            "period": {"start": day(case.intake_date)},
            "careManager": ref(ctx, "Practitioner", case.case_manager_id),
        }
    )


_TEAM_STATUS = {"active": "active", "onhold": "suspended", "finished": "inactive"}


def to_case_team(case: AgencyCase, ctx: MappingContext, guardian: Any | None) -> Any:
    """CareTeam of the case: the social worker managing it, and the family carer if named."""
    where = Where(case.kind, case.source_key)
    episode_status = translate("agency-case-status", case.status, "status", where)["code"]
    members = [
        {
            "role": [concept(ours("care-team-role", "social_worker"))],
            "member": ref(ctx, "Practitioner", case.case_manager_id),
        }
    ]
    if guardian is not None:
        members.append(
            {
                "role": [concept(ours("care-team-role", "family"))],
                "member": local_ref({"resourceType": "RelatedPerson", "id": guardian.id}),
            }
        )
    return build(
        {
            "resourceType": "CareTeam",
            "id": stable_id(ctx.source_system, "CareTeam", case_key(case.case_id)),
            "status": _TEAM_STATUS[episode_status],
            "name": "Social-work case team",
            "subject": ref(ctx, "Patient", case.client_id),
            "period": {"start": day(case.intake_date)},
            "participant": members,
        }
    )


def _share_with_station(case: AgencyCase, ctx: MappingContext) -> Any | None:
    """Consent to share with the district's stations, when the agency records it."""
    if case.consent_to_share is None:
        return None
    recipient = logical_ref(
        identifier_system("district-station"),
        ctx.district_code,
        "community rehabilitation stations of the district",
    )
    facts = ConsentFacts(
        key=f"case|{case.case_id}|share-with-station",
        patient_key=case.client_id,
        given=case.consent_to_share,
        recipient=recipient,
        date_time=day(case.consent_date),
    )
    return to_consent(facts, ctx)


def map_case(case: AgencyCase, ctx: MappingContext) -> tuple[list[Any], list[MappingWarning]]:
    """Everything a case record holds."""
    extra = {"extension": [{"url": extension_url("sub-district"), "valueCode": case.street_code}]}
    patient, warnings = to_patient(case, ctx, case.client_id, "agency-sex", extra)
    guardian = to_guardian(case, ctx, case.client_id)
    resources = [
        patient,
        guardian,
        to_practitioner(ctx, case.case_manager_id, case.case_manager_name),
        to_case_episode(case, ctx),
        to_case_team(case, ctx, guardian),
        _share_with_station(case, ctx),
    ]
    return [r for r in resources if r is not None], warnings


def _need_condition(
    assessment: AgencyNeedsAssessment, need: NeedItem, ctx: MappingContext, where: Where
) -> Any:
    """Condition (health concern) for one need; later assessments of the domain update it."""
    domain = local_code("need-domain", need.domain, "needs.domain", where)
    priority = (
        translate("need-priority", need.priority, "needs.priority", where)
        if need.priority
        else None
    )
    maslow = ours("maslow-level", str(need.maslow_level))
    return build(
        {
            "resourceType": "Condition",
            "id": stable_id(
                ctx.source_system, "Condition", need_key(assessment.case_id, need.domain)
            ),
            "extension": [
                {"url": extension_url("maslow-level"), "valueCoding": maslow},
                {"url": extension_url("need-priority"), "valueCode": need.priority}
                if priority
                else None,
            ],
            "clinicalStatus": concept(_ACTIVE),
            "category": [concept(_HEALTH_CONCERN)],
            "code": concept(domain, text=redact(need.description) if need.description else None),
            "subject": ref(ctx, "Patient", assessment.client_id),
            "recordedDate": day(assessment.assessed_on),
            "recorder": ref(ctx, "Practitioner", assessment.assessor_id)
            if assessment.assessor_id
            else None,
        }
    )


def map_needs_assessment(
    assessment: AgencyNeedsAssessment, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """A Condition (category health-concern) per need domain; a repeated domain is reported."""
    where = Where(assessment.kind, assessment.source_key)
    warnings: list[MappingWarning] = []
    resources: list[Any] = []
    seen: set[str] = set()
    for need in assessment.needs:
        if need.domain in seen:
            message = f"need domain {need.domain} listed twice; first kept"
            warnings.append(MappingWarning("needs.domain", message))
            continue
        seen.add(need.domain)
        resources.append(_need_condition(assessment, need, ctx, where))
    if assessment.assessor_id:
        resources.append(to_practitioner(ctx, assessment.assessor_id, None))
    return resources, warnings


def map_agency_scale(
    assessment: AgencyScaleAssessment, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """SSRS, SDSS or family burden: QuestionnaireResponse, totals computed here and checked."""
    assessor = ref(ctx, "Practitioner", assessment.assessor_id) if assessment.assessor_id else None
    frame = ObservationFrame(
        ctx=ctx,
        key=f"scale|{assessment.assessment_id}",
        subject=ref(ctx, "Patient", assessment.client_id),
        effective=day(assessment.assessed_on) or "",
        performer=assessor,
    )
    form = ScaleForm(
        kind=assessment.kind,
        record_key=assessment.source_key,
        scale=assessment.scale.upper(),
        items=assessment.items,
        reported_total=assessment.reported_total,
        authored=day(assessment.assessed_on) or "",
        frame=frame,
    )
    resources, warnings = map_scale(form)
    if assessment.assessor_id:
        resources.append(to_practitioner(ctx, assessment.assessor_id, None))
    return resources, warnings


def _goals_achieved(closure: AgencyClosure, ctx: MappingContext) -> Any | None:
    """Observation: goals achieved out of goals set, when the closure counts them."""
    if not closure.goals_total:
        return None
    frame = ObservationFrame(
        ctx=ctx,
        key=f"closure|{closure.closure_id}",
        subject=ref(ctx, "Patient", closure.client_id),
        effective=day(closure.closed_on) or "",
    )
    ratio = {
        "numerator": {"value": closure.goals_achieved or 0},
        "denominator": {"value": closure.goals_total},
    }
    return to_observation(frame, "goals-achieved", "survey", {"valueRatio": ratio})


def map_closure(
    closure: AgencyClosure, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Closure Task (reason, evaluation) and the goals-achieved Observation it outputs.

    The case's EpisodeOfCare turns finished through the case record (status closed): a closure
    row lacks the intake date and case manager, so rebuilding the episode here would lose them.
    """
    where = Where(closure.kind, closure.source_key)
    reason = local_code("closure-reason", closure.reason, "reason", where)
    goals = _goals_achieved(closure, ctx)
    output = goals and {
        "type": concept(ours("carehub-observation", "goals-achieved")),
        "valueReference": local_ref({"resourceType": "Observation", "id": goals.id}),
    }
    task = build(
        {
            "resourceType": "Task",
            "id": stable_id(ctx.source_system, "Task", f"closure|{closure.closure_id}"),
            "status": "completed",
            "statusReason": concept(reason),
            "intent": "order",
            "code": concept(ours("task-code", "case-closure")),
            "focus": ref(ctx, "EpisodeOfCare", case_key(closure.case_id)),
            "for": ref(ctx, "Patient", closure.client_id),
            "executionPeriod": {"end": day(closure.closed_on)},
            "authoredOn": day(closure.closed_on),
            "note": [{"text": redact(closure.evaluation)}] if closure.evaluation else None,
            "output": [output] if output else None,
        }
    )
    return [task, *([goals] if goals else [])], []
