"""Station follow-up (随访记录) -> Encounter, Observations, MedicationStatements,
ServiceRequest (referral) and the QuestionnaireResponse of the national follow-up form."""

from __future__ import annotations

from typing import Any

from hub.domain.identifiers import stable_id
from hub.domain.records import FollowUpVisit
from mappings._context import MappingContext, MappingWarning
from mappings._fhir import build, concept, day, extension_url, local_ref, ours, ref
from mappings._observations import ObservationFrame, coded_value, to_observation
from mappings._people import to_practitioner
from mappings._privacy import redact
from mappings._terminology import Where, local_code, translate
from mappings.station_form import to_follow_up_response
from mappings.station_registration import community_episode_key

__all__ = ["MAPPING_VERSION", "map_follow_up", "to_follow_up_encounter", "to_medication_statements"]

MAPPING_VERSION = "1.0.0"

_FUNCTION_ITEMS = (
    "sleep",
    "diet",
    "self_care",
    "housework",
    "work",
    "learning",
    "social_interaction",
)
_BEHAVIOUR_ITEMS = (
    "minor_trouble",
    "trouble_making",
    "serious_incident",
    "other_harm",
    "self_harm",
    "suicide_attempt",
)
_ADHERENCE_TO_STATUS = {"1": "active", "2": "active", "3": "not-taken", "4": "not-taken"}
_R5_ADHERENCE = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-MedicationStatement.adherence"
)


def _key(visit: FollowUpVisit) -> str:
    return f"follow_up|{visit.visit_id}"


def to_follow_up_encounter(visit: FollowUpVisit, ctx: MappingContext) -> Any:
    """Encounter of the visit: clinic AMB, home visit HH, phone VR."""
    where = Where(visit.kind, visit.source_key)
    person_seen = (
        local_code("smd-person-seen", visit.person_seen, "person_seen", where)
        if visit.person_seen
        else None
    )
    performer = visit.doctor_id and {
        "type": [
            concept(
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                    "code": "PPRF",
                    "display": "primary performer",
                }
            )
        ],
        "individual": ref(ctx, "Practitioner", visit.doctor_id),
    }
    return build(
        {
            "resourceType": "Encounter",
            "id": stable_id(ctx.source_system, "Encounter", _key(visit)),
            "extension": [{"url": extension_url("person-seen"), "valueCoding": person_seen}]
            if person_seen
            else None,
            "status": "finished",
            "class": translate(
                "station-follow-up-type-class", visit.visit_type, "visit_type", where
            ),
            "type": [
                concept(local_code("smd-follow-up-type", visit.visit_type, "visit_type", where))
            ],
            "subject": ref(ctx, "Patient", visit.registration_no),
            "episodeOfCare": [
                ref(ctx, "EpisodeOfCare", community_episode_key(visit.registration_no))
            ],
            "participant": [performer] if performer else None,
            "period": {"start": day(visit.visit_date), "end": day(visit.visit_date)},
        }
    )


def _coded_observations(visit: FollowUpVisit, frame: ObservationFrame) -> list[Any]:
    """Single coded items: risk level, class, insight, adherence, effect, locking, stays."""
    where = Where(visit.kind, visit.source_key)
    items = [
        ("risk-level", "smd-risk-level", "risk_level", visit.risk_level, "survey"),
        (
            "follow-up-class",
            "smd-follow-up-class",
            "follow_up_class",
            visit.follow_up_class,
            "survey",
        ),
        ("insight", "smd-insight", "insight", visit.insight, "exam"),
        ("adherence", "smd-adherence", "adherence", visit.adherence, "therapy"),
        (
            "treatment-effect",
            "smd-treatment-effect",
            "treatment_effect",
            visit.treatment_effect,
            "therapy",
        ),
        ("locking", "smd-locking", "locking", visit.locking, "social-history"),
    ]
    out = [
        to_observation(
            frame, code, category, coded_value(local_code(system, str(value), field, where))
        )
        for code, system, field, value, category in items
        if value is not None
    ]
    out += _stay_observations(visit, frame)
    return out


def _stay_observations(visit: FollowUpVisit, frame: ObservationFrame) -> list[Any]:
    """Hospitalisation since the last visit (with the last discharge date) and adverse reaction."""
    out = []
    if visit.hospitalisation is not None:
        where = Where(visit.kind, visit.source_key)
        stay = local_code("smd-hospitalisation", visit.hospitalisation, "hospitalisation", where)
        discharge = [
            {
                "code": concept(ours("carehub-observation", "last-discharge")),
                "valueDateTime": day(visit.last_discharge_date),
            }
        ]
        components = discharge if visit.last_discharge_date else None
        out.append(
            to_observation(
                frame, "hospitalisation", "social-history", coded_value(stay), components
            )
        )
    if visit.adverse_reaction is not None:
        value = {"valueBoolean": visit.adverse_reaction}
        out.append(to_observation(frame, "adverse-reaction", "therapy", value))
    return out


def _grouped_observations(visit: FollowUpVisit, frame: ObservationFrame) -> list[Any]:
    """Social function, dangerous behaviour counts and symptoms as Observations with components."""
    where = Where(visit.kind, visit.source_key)
    function = [
        {
            "code": concept(ours("carehub-observation", name.replace("_", "-"))),
            "valueCodeableConcept": concept(
                local_code("smd-function-rating", getattr(visit, name), name, where)
            ),
        }
        for name in _FUNCTION_ITEMS
        if getattr(visit, name) is not None
    ]
    behaviour = [
        {
            "code": concept(ours("carehub-observation", name.replace("_", "-"))),
            "valueInteger": getattr(visit, name),
        }
        for name in _BEHAVIOUR_ITEMS
    ]
    symptoms = [
        {
            "code": concept(ours("carehub-observation", "symptom")),
            "valueCodeableConcept": concept(local_code("smd-symptom", str(s), "symptoms", where)),
        }
        for s in visit.symptoms
    ]
    out = [to_observation(frame, "dangerous-behaviour", "social-history", components=behaviour)]
    if function:
        out.append(to_observation(frame, "social-function", "social-history", components=function))
    if symptoms:
        out.append(to_observation(frame, "symptoms", "exam", components=symptoms))
    if visit.death_date:
        note = {"note": [{"text": redact(visit.death_cause)}]} if visit.death_cause else {}
        out.append(
            to_observation(
                frame, "death", "social-history", {"valueDateTime": day(visit.death_date)} | note
            )
        )
    return out


def to_medication_statements(
    visit: FollowUpVisit, ctx: MappingContext, adherence_observation: Any | None
) -> list[Any]:
    """MedicationStatement per drug reported, status and adherence from the adherence item."""
    if visit.adherence is None and not visit.medications:
        return []
    where = Where(visit.kind, visit.source_key)
    adherence = (
        local_code("smd-adherence", visit.adherence, "adherence", where)
        if visit.adherence
        else None
    )
    drugs = visit.medications or ("psychiatric medication (not itemised)",)
    out = []
    for index, drug in enumerate(drugs):
        out.append(
            build(
                {
                    "resourceType": "MedicationStatement",
                    "id": stable_id(
                        ctx.source_system, "MedicationStatement", f"{_key(visit)}|{index}"
                    ),
                    # R4 has no adherence element; R5's, carried by its cross-version extension.
                    "extension": [
                        {
                            "url": _R5_ADHERENCE,
                            "extension": [
                                {"url": "code", "valueCodeableConcept": concept(adherence)}
                            ],
                        }
                    ]
                    if adherence
                    else None,
                    "status": _ADHERENCE_TO_STATUS.get(visit.adherence or "", "unknown"),
                    "medicationCodeableConcept": {"text": drug},
                    "subject": ref(ctx, "Patient", visit.registration_no),
                    "context": ref(ctx, "Encounter", _key(visit)),
                    "dateAsserted": day(visit.visit_date),
                    "informationSource": ref(ctx, "Practitioner", visit.doctor_id)
                    if visit.doctor_id
                    else None,
                    "derivedFrom": [local_ref_of(adherence_observation)]
                    if adherence_observation
                    else None,
                }
            )
        )
    return out


def local_ref_of(resource: Any) -> dict[str, str]:
    """A reference to a model built in this mapping."""
    return local_ref({"resourceType": resource.get_resource_type(), "id": resource.id})


def to_referral(visit: FollowUpVisit, ctx: MappingContext) -> Any | None:
    """ServiceRequest for a referral made at the visit."""
    if not visit.referred:
        return None
    return build(
        {
            "resourceType": "ServiceRequest",
            "id": stable_id(ctx.source_system, "ServiceRequest", f"{_key(visit)}|referral"),
            "status": "active",
            "intent": "order",
            "code": concept(
                {
                    "system": "http://snomed.info/sct",
                    "code": "3457005",
                    "display": "Patient referral",
                }
            ),
            "subject": ref(ctx, "Patient", visit.registration_no),
            "encounter": ref(ctx, "Encounter", _key(visit)),
            "authoredOn": day(visit.visit_date),
            "requester": ref(ctx, "Practitioner", visit.doctor_id) if visit.doctor_id else None,
            "performer": [{"display": redact(visit.referral_to)}] if visit.referral_to else None,
            "reasonCode": [{"text": redact(visit.referral_reason)}]
            if visit.referral_reason
            else None,
        }
    )


def map_follow_up(
    visit: FollowUpVisit, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Everything one follow-up form holds."""
    response = to_follow_up_response(visit, ctx)
    frame = ObservationFrame(
        ctx=ctx,
        key=_key(visit),
        subject=ref(ctx, "Patient", visit.registration_no),
        effective=day(visit.visit_date) or "",
        encounter=ref(ctx, "Encounter", _key(visit)),
        performer=ref(ctx, "Practitioner", visit.doctor_id) if visit.doctor_id else None,
        derived_from=local_ref_of(response),
    )
    observations = _coded_observations(visit, frame) + _grouped_observations(visit, frame)
    adherence = next(
        (o for o in observations if o.document["code"]["coding"][0]["code"] == "adherence"), None
    )
    resources = [
        to_follow_up_encounter(visit, ctx),
        to_practitioner(ctx, visit.doctor_id, visit.doctor_name) if visit.doctor_id else None,
        response,
        *observations,
        *to_medication_statements(visit, ctx, adherence),
        to_referral(visit, ctx),
    ]
    return [r for r in resources if r is not None], []
