"""Station emergency handling (应急处置) and care-and-assistance team members (关爱帮扶小组)."""

from __future__ import annotations

from typing import Any

from hub.domain.codes import identifier_system
from hub.domain.identifiers import stable_id
from hub.domain.records import CareTeamMember, EmergencyHandling
from mappings._context import MappingContext, MappingWarning
from mappings._fhir import build, concept, day, instant, local_ref, ours, questionnaire_url, ref
from mappings._observations import ObservationFrame, coded_value, to_observation
from mappings._people import to_practitioner
from mappings._privacy import redact
from mappings._terminology import Where, local_code, translate
from mappings.station_registration import community_episode_key

__all__ = ["MAPPING_VERSION", "map_care_team_member", "map_emergency", "to_care_team"]

MAPPING_VERSION = "1.0.0"

RISK_QUESTIONNAIRE = questionnaire_url("smd-risk-assessment") + "|1.0.0"
_DISPOSITION = "http://terminology.hl7.org/CodeSystem/discharge-disposition"


def _emergency_encounter(event: EmergencyHandling, ctx: MappingContext, key: str) -> Any:
    """Encounter EMER; an admission as its outcome is a transfer to a psychiatric hospital."""
    handler = ref(ctx, "Practitioner", event.handled_by_id) if event.handled_by_id else None
    return build(
        {
            "resourceType": "Encounter",
            "id": stable_id(ctx.source_system, "Encounter", key),
            "status": "finished",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "EMER",
                "display": "emergency",
            },
            "type": [concept(ours("contact-mode", "emergency"))],
            "subject": ref(ctx, "Patient", event.registration_no),
            "episodeOfCare": [
                ref(ctx, "EpisodeOfCare", community_episode_key(event.registration_no))
            ],
            "participant": [{"individual": handler}] if handler else None,
            "period": {"start": instant(event.occurred_at, ctx)},
            "hospitalization": {
                "dischargeDisposition": concept(
                    {"system": _DISPOSITION, "code": "psy", "display": "Psychiatric hospital"}
                )
            }
            if event.admitted
            else None,
        }
    )


def _emergency_procedures(event: EmergencyHandling, ctx: MappingContext, key: str) -> list[Any]:
    """Procedure of the handling, and one child Procedure (partOf) per measure taken."""
    where = Where(event.kind, event.source_key)
    performers = []
    if event.handled_by_id:
        performers.append({"actor": ref(ctx, "Practitioner", event.handled_by_id)})
    if event.police_involved:
        police = concept(ours("care-team-role", "police"))
        performers.append({"function": police, "actor": {"display": "police"}})
    common = {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": ref(ctx, "Patient", event.registration_no),
        "encounter": ref(ctx, "Encounter", key),
        "performedDateTime": instant(event.occurred_at, ctx),
    }
    parent = build(
        common
        | {
            "id": stable_id(ctx.source_system, "Procedure", key),
            "code": concept(ours("emergency-measure", "emergency-handling")),
            "performer": performers,
            "note": [{"text": redact(event.description)}] if event.description else None,
        }
    )
    children = [
        build(
            common
            | {
                "id": stable_id(ctx.source_system, "Procedure", f"{key}|measure|{measure}"),
                "partOf": [ref(ctx, "Procedure", key)],
                "code": concept(
                    local_code("emergency-measure-taken", measure, f"measures[{index}]", where)
                ),
            }
        )
        for index, measure in enumerate(dict.fromkeys(event.measures))
    ]
    return [parent, *children]


def map_emergency(
    event: EmergencyHandling, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Encounter EMER, the risk assessment (QuestionnaireResponse + Observation), Procedure."""
    key = f"emergency|{event.event_id}"
    where = Where(event.kind, event.source_key)
    risk = local_code("smd-risk-level", str(event.risk_level), "risk_level", where)
    handler = ref(ctx, "Practitioner", event.handled_by_id) if event.handled_by_id else None
    response = build(
        {
            "resourceType": "QuestionnaireResponse",
            "id": stable_id(ctx.source_system, "QuestionnaireResponse", key),
            "questionnaire": RISK_QUESTIONNAIRE,
            "status": "completed",
            "subject": ref(ctx, "Patient", event.registration_no),
            "encounter": ref(ctx, "Encounter", key),
            "authored": instant(event.occurred_at, ctx),
            "author": handler,
            "item": [{"linkId": "risk-level", "answer": [{"valueCoding": risk}]}],
        }
    )
    frame = ObservationFrame(
        ctx=ctx,
        key=key,
        subject=ref(ctx, "Patient", event.registration_no),
        effective=instant(event.occurred_at, ctx),
        encounter=ref(ctx, "Encounter", key),
        performer=handler,
        derived_from=local_ref({"resourceType": "QuestionnaireResponse", "id": response.id}),
    )
    resources = [
        _emergency_encounter(event, ctx, key),
        response,
        to_observation(frame, "risk-level", "survey", coded_value(risk)),
        *_emergency_procedures(event, ctx, key),
    ]
    if event.handled_by_id:
        resources.append(to_practitioner(ctx, event.handled_by_id, event.handled_by_name))
    return resources, []


_FAMILY_MEMBER = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
    "code": "FAMMEMB",
    "display": "family member",
}


def _family_member(member: CareTeamMember, ctx: MappingContext) -> Any:
    """RelatedPerson for a family member on the team."""
    return build(
        {
            "resourceType": "RelatedPerson",
            "id": stable_id(ctx.source_system, "RelatedPerson", f"care-team|{member.member_id}"),
            "active": member.until is None,
            "patient": ref(ctx, "Patient", member.registration_no),
            "relationship": [concept(_FAMILY_MEMBER)],
            "name": [{"text": member.name}],
            "telecom": [{"system": "phone", "value": member.phone}] if member.phone else None,
            "period": {"start": day(member.since), "end": day(member.until)},
        }
    )


def _member_resources(
    member: CareTeamMember, ctx: MappingContext, role: dict[str, str]
) -> list[Any]:
    """RelatedPerson for family, otherwise Practitioner plus PractitionerRole."""
    if role["code"] == "family":
        return [_family_member(member, ctx)]
    key = f"care-team|{member.member_id}"
    member_id = {"system": identifier_system("station-care-team-member"), "value": member.member_id}
    practitioner = build(
        {
            "resourceType": "Practitioner",
            "id": stable_id(ctx.source_system, "Practitioner", key),
            "identifier": [member_id],
            "name": [{"text": member.name}],
        }
    )
    practitioner_role = build(
        {
            "resourceType": "PractitionerRole",
            "id": stable_id(ctx.source_system, "PractitionerRole", key),
            "active": member.until is None,
            "period": {"start": day(member.since), "end": day(member.until)},
            "practitioner": local_ref({"resourceType": "Practitioner", "id": practitioner.id}),
            "organization": {"display": member.organization} if member.organization else None,
            "code": [concept(role)],
            "telecom": [{"system": "phone", "value": member.phone}] if member.phone else None,
        }
    )
    return [practitioner, practitioner_role]


def to_care_team(
    member: CareTeamMember, ctx: MappingContext, role: dict[str, str], person: Any
) -> Any:
    """The member's place in the patient's care and assistance team.

    One CareTeam per membership: each source row is mapped alone, and a single team resource
    rebuilt from one row would drop the other members on every update.
    """
    return build(
        {
            "resourceType": "CareTeam",
            "id": stable_id(
                ctx.source_system,
                "CareTeam",
                f"care-team|{member.registration_no}|{member.member_id}",
            ),
            "status": "inactive" if member.until else "active",
            "name": "关爱帮扶小组 (care and assistance team)",
            "subject": ref(ctx, "Patient", member.registration_no),
            "period": {"start": day(member.since), "end": day(member.until)},
            "participant": [
                {
                    "role": [concept(role)],
                    "member": local_ref(
                        {"resourceType": person.get_resource_type(), "id": person.id}
                    ),
                    "period": {"start": day(member.since), "end": day(member.until)},
                }
            ],
        }
    )


def map_care_team_member(
    member: CareTeamMember, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """CareTeam membership plus the member (Practitioner + PractitionerRole, or RelatedPerson)."""
    where = Where(member.kind, member.source_key)
    role = translate("station-care-team-role", member.role, "role", where)
    people = _member_resources(member, ctx, role)
    # The role-bearing resource is the member: PractitionerRole, or the RelatedPerson.
    return [to_care_team(member, ctx, role, people[-1]), *people], []
