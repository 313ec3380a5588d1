"""Agency care plans, contacts, interventions and supervision -> CarePlan with Goals, Encounter,
Procedure (and a Task for linking resources), and supervision Tasks (one child per step)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hub.domain.codes import SupervisionStep, code_system_url
from hub.domain.identifiers import stable_id
from hub.domain.records import (
    AgencyCareplan,
    AgencyContact,
    AgencyIntervention,
    AgencySupervision,
    SupervisionStepRecord,
)
from mappings._context import MappingContext, MappingWarning
from mappings._errors import UnmappedCode
from mappings._fhir import build, concept, day, instant, local_ref, ours, ref
from mappings._people import to_practitioner
from mappings._privacy import redact
from mappings._terminology import Where, local_code, maybe_translate, translate
from mappings.agency_case import case_key, need_key

__all__ = [
    "MAPPING_VERSION",
    "contact_key",
    "map_care_plan",
    "map_contact",
    "map_intervention",
    "map_supervision",
    "plan_key",
    "to_goal",
]

MAPPING_VERSION = "1.0.0"

# R4 Encounter cannot point at a CarePlan; R5 can (Encounter.basedOn), via its extension.
_R5_ENCOUNTER_BASED_ON = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Encounter.basedOn"
_ACTIVITY_STATUS = {
    "draft": "not-started",
    "active": "in-progress",
    "on-hold": "on-hold",
    "completed": "completed",
    "revoked": "cancelled",
}
_SOCIAL_SERVICE = {
    "system": "http://snomed.info/sct",
    "code": "410606002",
    "display": "Social service procedure",
}


def plan_key(plan_id: str) -> str:
    """Key of one care plan's CarePlan."""
    return f"care_plan|{plan_id}"


def contact_key(contact_id: str) -> str:
    """Key of one contact's Encounter (interventions done at the contact point at it)."""
    return f"contact|{contact_id}"


def to_goal(plan: AgencyCareplan, index: int, ctx: MappingContext) -> Any:
    """Goal of a care plan; addresses the need Condition of its domain."""
    goal = plan.goals[index]
    where = Where(plan.kind, plan.source_key)
    field = f"goals[{index}].status"
    need = None
    if goal.need_domain:
        local_code("need-domain", goal.need_domain, f"goals[{index}].need_domain", where)
        need = ref(ctx, "Condition", need_key(plan.case_id, goal.need_domain))
    achievement = maybe_translate("agency-goal-achievement", goal.status)
    return build(
        {
            "resourceType": "Goal",
            "id": stable_id(ctx.source_system, "Goal", f"goal|{plan.plan_id}|{goal.goal_id}"),
            "lifecycleStatus": translate("agency-goal-status", goal.status, field, where)["code"],
            "achievementStatus": concept(achievement) if achievement else None,
            "description": {"text": redact(goal.description)},
            "subject": ref(ctx, "Patient", plan.client_id),
            "startDate": day(plan.period_start or plan.created_on),
            "target": [{"dueDate": day(goal.target_date)}] if goal.target_date else None,
            "addresses": [need] if need else None,
        }
    )


def _activities(plan: AgencyCareplan, status: str, where: Where) -> list[dict[str, Any]]:
    out = []
    for index, kind in enumerate(plan.planned_interventions):
        code = local_code(
            "social-work-intervention", kind, f"planned_interventions[{index}]", where
        )
        out.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": concept(code),
                    "status": _ACTIVITY_STATUS[status],
                }
            }
        )
    return out


def map_care_plan(
    plan: AgencyCareplan, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """CarePlan (status kept in step with the case's plan), its Goals and planned activities."""
    where = Where(plan.kind, plan.source_key)
    status = translate("agency-care-plan-status", plan.status, "status", where)["code"]
    goals = [to_goal(plan, i, ctx) for i in range(len(plan.goals))]
    needs = {g.need_domain for g in plan.goals if g.need_domain}
    activities = _activities(plan, status, where)
    responsible = ref(ctx, "Practitioner", plan.responsible_id) if plan.responsible_id else None
    for activity in activities:
        activity["detail"]["performer"] = [responsible] if responsible else None
    reviewers = {r.reviewer_id for r in plan.reviews if r.reviewer_id}
    care_plan = build(
        {
            "resourceType": "CarePlan",
            "id": stable_id(ctx.source_system, "CarePlan", plan_key(plan.plan_id)),
            "status": status,
            "intent": "plan",
            "category": [concept(ours("care-plan-category", "social-work-case-plan"))],
            "description": "; ".join(redact(p) for p in plan.problems) or None,
            "subject": ref(ctx, "Patient", plan.client_id),
            "period": {"start": day(plan.period_start), "end": day(plan.period_end)},
            "created": day(plan.created_on),
            "author": responsible,
            "addresses": [ref(ctx, "Condition", need_key(plan.case_id, d)) for d in sorted(needs)],
            "supportingInfo": [ref(ctx, "EpisodeOfCare", case_key(plan.case_id))],
            "goal": [local_ref({"resourceType": "Goal", "id": g.id}) for g in goals],
            "activity": activities,
            "note": [
                {
                    "authorReference": ref(ctx, "Practitioner", r.reviewer_id)
                    if r.reviewer_id
                    else None,
                    "time": day(r.reviewed_on),
                    "text": redact(r.note)
                    if r.note
                    else f"Reviewed on {r.reviewed_on.isoformat()}",
                }
                for r in plan.reviews
            ],
        }
    )
    staff = sorted(reviewers | ({plan.responsible_id} if plan.responsible_id else set()))
    return [care_plan, *goals, *(to_practitioner(ctx, s, None) for s in staff)], []


def map_contact(
    contact: AgencyContact, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Encounter of a contact; class from the mode, linked to the care plan it carried out."""
    where = Where(contact.kind, contact.source_key)
    mode = local_code("contact-mode", contact.mode, "mode", where)
    worker = ref(ctx, "Practitioner", contact.worker_id) if contact.worker_id else None
    end = (
        instant(contact.contact_at + timedelta(minutes=contact.duration_minutes), ctx)
        if contact.duration_minutes
        else None
    )
    minutes = {
        "value": contact.duration_minutes,
        "unit": "min",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }
    encounter = build(
        {
            "resourceType": "Encounter",
            "id": stable_id(ctx.source_system, "Encounter", contact_key(contact.contact_id)),
            "extension": [
                {
                    "url": _R5_ENCOUNTER_BASED_ON,
                    "valueReference": ref(ctx, "CarePlan", plan_key(contact.plan_id)),
                }
            ]
            if contact.plan_id
            else None,
            "status": "finished",
            "class": translate("contact-mode-class", contact.mode, "mode", where),
            "type": [concept(mode)],
            "subject": ref(ctx, "Patient", contact.client_id),
            "episodeOfCare": [ref(ctx, "EpisodeOfCare", case_key(contact.case_id))],
            "participant": ([{"individual": worker}] if worker else [])
            + [{"type": [{"text": p}]} for p in contact.participants],
            "period": {"start": instant(contact.contact_at, ctx), "end": end},
            "length": minutes if contact.duration_minutes else None,
            "reasonCode": [{"text": redact(contact.purpose)}] if contact.purpose else None,
        }
    )
    resources = [encounter]
    if contact.worker_id:
        resources.append(to_practitioner(ctx, contact.worker_id, None))
    return resources, []


def _link_task(intervention: AgencyIntervention, ctx: MappingContext, where: Where) -> Any | None:
    """Task tracking an application for a resource (allowance, medical aid, subsidy, card)."""
    if not intervention.resource_linked:
        return None
    resource = local_code("linked-resource", intervention.resource_linked, "resource_linked", where)
    status = (
        translate("agency-intervention-outcome", intervention.outcome, "outcome", where)["code"]
        if intervention.outcome
        else "requested"
    )
    key = f"intervention|{intervention.intervention_id}"
    return build(
        {
            "resourceType": "Task",
            "id": stable_id(ctx.source_system, "Task", f"{key}|link"),
            "basedOn": [ref(ctx, "CarePlan", plan_key(intervention.plan_id))]
            if intervention.plan_id
            else None,
            "status": status,
            "intent": "order",
            "code": concept(ours("task-code", "link-resource")),
            "focus": ref(ctx, "Procedure", key),
            "for": ref(ctx, "Patient", intervention.client_id),
            "encounter": ref(ctx, "Encounter", contact_key(intervention.contact_id))
            if intervention.contact_id
            else None,
            "authoredOn": day(intervention.performed_on),
            "owner": ref(ctx, "Practitioner", intervention.worker_id)
            if intervention.worker_id
            else None,
            "input": [
                {
                    "type": concept(ours("task-code", "link-resource")),
                    "valueCodeableConcept": concept(resource),
                }
            ],
        }
    )


def map_intervention(
    intervention: AgencyIntervention, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Procedure of the intervention, plus a Task when it links the person to a resource."""
    where = Where(intervention.kind, intervention.source_key)
    code = local_code("social-work-intervention", intervention.kind_code, "kind_code", where)
    key = f"intervention|{intervention.intervention_id}"
    worker = ref(ctx, "Practitioner", intervention.worker_id) if intervention.worker_id else None
    procedure = build(
        {
            "resourceType": "Procedure",
            "id": stable_id(ctx.source_system, "Procedure", key),
            "basedOn": [ref(ctx, "CarePlan", plan_key(intervention.plan_id))]
            if intervention.plan_id
            else None,
            "status": "completed",
            "category": concept(_SOCIAL_SERVICE),
            "code": concept(code),
            "subject": ref(ctx, "Patient", intervention.client_id),
            "encounter": ref(ctx, "Encounter", contact_key(intervention.contact_id))
            if intervention.contact_id
            else None,
            "performedDateTime": day(intervention.performed_on),
            "performer": [{"actor": worker}] if worker else None,
            "note": [{"text": redact(intervention.description)}]
            if intervention.description
            else None,
        }
    )
    task = _link_task(intervention, ctx, where)
    resources = [procedure, *([task] if task else [])]
    if intervention.worker_id:
        resources.append(to_practitioner(ctx, intervention.worker_id, None))
    return resources, []


def _steps_done(supervision: AgencySupervision, where: Where) -> dict[str, SupervisionStepRecord]:
    """The recorded steps by name; a step outside the five raises UnmappedCode."""
    steps = {s.value for s in SupervisionStep}
    done: dict[str, SupervisionStepRecord] = {}
    for index, record in enumerate(supervision.steps):
        if record.step not in steps:
            raise UnmappedCode(
                where.kind,
                where.key,
                f"steps[{index}].step",
                record.step,
                code_system_url("task-code"),
            )
        done[record.step] = record
    return done


def _step_task(
    ctx: MappingContext,
    common: dict[str, Any],
    parent_key: str,
    step: str,
    record: SupervisionStepRecord | None,
) -> Any:
    """Child Task of one step: completed once done, requested until then."""
    finished = record is not None and record.done_on is not None
    return build(
        common
        | {
            "resourceType": "Task",
            "id": stable_id(ctx.source_system, "Task", f"{parent_key}|{step}"),
            "partOf": [ref(ctx, "Task", parent_key)],
            "status": "completed" if finished else "requested",
            "code": concept(ours("task-code", step)),
            "executionPeriod": {"end": day(record.done_on)} if record and record.done_on else None,
            "note": [{"text": redact(record.note)}] if record and record.note else None,
        }
    )


def map_supervision(
    supervision: AgencySupervision, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Parent Task for the review, one child Task per step of the five (partOf the parent)."""
    where = Where(supervision.kind, supervision.source_key)
    status = translate("agency-supervision-status", supervision.status, "status", where)["code"]
    key = f"supervision|{supervision.supervision_id}"
    done = _steps_done(supervision, where)
    common: dict[str, Any] = {
        "intent": "order",
        "for": ref(ctx, "Patient", supervision.client_id),
        "focus": ref(ctx, "EpisodeOfCare", case_key(supervision.case_id)),
        "owner": ref(ctx, "Practitioner", supervision.supervisor_id),
    }
    parent_id = stable_id(ctx.source_system, "Task", key)
    children = [_step_task(ctx, common, key, s.value, done.get(s.value)) for s in SupervisionStep]
    warnings = [
        MappingWarning("steps", f"review completed but step {s.value} not done")
        for s in SupervisionStep
        if status == "completed" and not (done.get(s.value) and done[s.value].done_on)
    ]
    ends = [s.done_on for s in supervision.steps if s.done_on]
    parent = build(
        common
        | {
            "resourceType": "Task",
            "id": parent_id,
            "status": status,
            "code": concept(ours("task-code", "case-supervision")),
            "authoredOn": day(supervision.started_on),
            "executionPeriod": {
                "start": day(supervision.started_on),
                "end": day(max(ends)) if ends and status == "completed" else None,
            },
        }
    )
    supervisor = to_practitioner(ctx, supervision.supervisor_id, supervision.supervisor_name)
    return [parent, *children, supervisor], warnings
