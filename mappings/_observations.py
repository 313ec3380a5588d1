"""Observation and QuestionnaireResponse builders shared by the station, hospital and agency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.domain.identifiers import stable_id
from mappings._context import MappingContext
from mappings._fhir import build, concept, observation_category, ours

__all__ = ["ObservationFrame", "answer_item", "coded_value", "to_observation"]


@dataclass(frozen=True)
class ObservationFrame:
    """What the Observations of one form or visit share: subject, time, encounter, author."""

    ctx: MappingContext
    key: str  # e.g. "follow_up|V001"; each Observation's key is key|code
    subject: dict[str, Any]
    effective: str
    encounter: dict[str, Any] | None = None
    performer: dict[str, Any] | None = None
    derived_from: dict[str, Any] | None = None


def to_observation(
    frame: ObservationFrame,
    code: str,
    category: str,
    value: dict[str, Any] | None = None,
    components: list[dict[str, Any]] | None = None,
    interpretation: dict[str, Any] | None = None,
) -> Any:
    """An Observation coded in carehub-observation; value is a ready ``value[x]`` dict."""
    data: dict[str, Any] = {
        "resourceType": "Observation",
        "id": stable_id(frame.ctx.source_system, "Observation", f"{frame.key}|{code}"),
        "status": "final",
        "category": [observation_category(category)],
        "code": concept(ours("carehub-observation", code)),
        "subject": frame.subject,
        "encounter": frame.encounter,
        "effectiveDateTime": frame.effective,
        "performer": [frame.performer] if frame.performer else None,
        "interpretation": [interpretation] if interpretation else None,
        "derivedFrom": [frame.derived_from] if frame.derived_from else None,
        "component": components,
    }
    return build(data | (value or {}))


def coded_value(coding: dict[str, str]) -> dict[str, Any]:
    """``valueCodeableConcept`` for one coding."""
    return {"valueCodeableConcept": concept(coding)}


def answer_item(link_id: str, *answers: dict[str, Any]) -> dict[str, Any] | None:
    """A QuestionnaireResponse item, or None when nothing was answered."""
    kept = [a for a in answers if a]
    return {"linkId": link_id, "answer": kept} if kept else None
