"""The national follow-up form as a QuestionnaireResponse (Questionnaire smd-follow-up)."""

from __future__ import annotations

from typing import Any

from hub.domain.identifiers import stable_id
from hub.domain.records import FollowUpVisit
from mappings._context import MappingContext
from mappings._fhir import build, day, questionnaire_url, ref
from mappings._observations import answer_item
from mappings._privacy import redact
from mappings._terminology import Where, local_code

__all__ = ["FOLLOW_UP_ITEMS", "FOLLOW_UP_QUESTIONNAIRE", "to_follow_up_response"]

FOLLOW_UP_QUESTIONNAIRE = questionnaire_url("smd-follow-up") + "|1.0.0"

#: linkId -> (record field, answer type, CodeSystem for coded answers). The Questionnaire
#: data file declares the same items; a test keeps the two in step.
FOLLOW_UP_ITEMS: dict[str, tuple[str, str, str | None]] = {
    "visit-date": ("visit_date", "date", None),
    "visit-type": ("visit_type", "coding", "smd-follow-up-type"),
    "person-seen": ("person_seen", "coding", "smd-person-seen"),
    "risk-level": ("risk_level", "coding", "smd-risk-level"),
    "symptoms": ("symptoms", "coding", "smd-symptom"),
    "insight": ("insight", "coding", "smd-insight"),
    "sleep": ("sleep", "coding", "smd-function-rating"),
    "diet": ("diet", "coding", "smd-function-rating"),
    "self-care": ("self_care", "coding", "smd-function-rating"),
    "housework": ("housework", "coding", "smd-function-rating"),
    "work": ("work", "coding", "smd-function-rating"),
    "learning": ("learning", "coding", "smd-function-rating"),
    "social-interaction": ("social_interaction", "coding", "smd-function-rating"),
    "minor-trouble": ("minor_trouble", "integer", None),
    "trouble-making": ("trouble_making", "integer", None),
    "serious-incident": ("serious_incident", "integer", None),
    "other-harm": ("other_harm", "integer", None),
    "self-harm": ("self_harm", "integer", None),
    "suicide-attempt": ("suicide_attempt", "integer", None),
    "locking": ("locking", "coding", "smd-locking"),
    "hospitalisation": ("hospitalisation", "coding", "smd-hospitalisation"),
    "last-discharge-date": ("last_discharge_date", "date", None),
    "adherence": ("adherence", "coding", "smd-adherence"),
    "adverse-reaction": ("adverse_reaction", "boolean", None),
    "treatment-effect": ("treatment_effect", "coding", "smd-treatment-effect"),
    "referred": ("referred", "boolean", None),
    "referral-reason": ("referral_reason", "string", None),
    "referral-to": ("referral_to", "string", None),
    "medications": ("medications", "string", None),
    "rehabilitation": ("rehabilitation", "coding", "rehabilitation-measure"),
    "follow-up-class": ("follow_up_class", "coding", "smd-follow-up-class"),
    "next-visit-date": ("next_visit_date", "date", None),
    "death-date": ("death_date", "date", None),
    "death-cause": ("death_cause", "string", None),
}


def _answer(value: Any, kind: str, system: str | None, field: str, where: Where) -> dict[str, Any]:
    if kind == "coding" and system:
        return {"valueCoding": local_code(system, str(value), field, where)}
    if kind == "date":
        return {"valueDate": day(value)}
    if kind == "integer":
        return {"valueInteger": value}
    if kind == "boolean":
        return {"valueBoolean": value}
    return {"valueString": redact(str(value))}


def to_follow_up_response(visit: FollowUpVisit, ctx: MappingContext) -> Any:
    """QuestionnaireResponse of the follow-up form, one item per answered question."""
    where = Where(visit.kind, visit.source_key)
    items = []
    for link_id, (field, kind, system) in FOLLOW_UP_ITEMS.items():
        value = getattr(visit, field)
        values = value if isinstance(value, tuple) else (value,)
        answers = [_answer(v, kind, system, field, where) for v in values if v is not None]
        items.append(answer_item(link_id, *answers))
    key = f"follow_up|{visit.visit_id}"
    return build(
        {
            "resourceType": "QuestionnaireResponse",
            "id": stable_id(ctx.source_system, "QuestionnaireResponse", key),
            "questionnaire": FOLLOW_UP_QUESTIONNAIRE,
            "status": "completed",
            "subject": ref(ctx, "Patient", visit.registration_no),
            "encounter": ref(ctx, "Encounter", key),
            "authored": day(visit.visit_date),
            "author": ref(ctx, "Practitioner", visit.doctor_id) if visit.doctor_id else None,
            "item": items,
        }
    )
