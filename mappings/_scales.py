"""A filled-in scale -> QuestionnaireResponse, score Observations and total-check warnings."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.domain.identifiers import stable_id
from hub.domain.scales import (
    ScaleItemError,
    ScaleScore,
    score_bprs,
    score_panss,
    score_sdss,
    score_ssrs,
    sdss_impaired,
    ssrs_band,
)
from mappings._context import MappingWarning
from mappings._errors import InvalidValue
from mappings._fhir import build, concept, local_ref, ours, questionnaire_url
from mappings._observations import ObservationFrame, to_observation
from mappings._terminology import Where, local_code

__all__ = ["ScaleForm", "map_scale"]

Answer = int | Sequence[int]

_SCORERS: dict[str, Callable[[Mapping[str, Answer]], ScaleScore]] = {
    "SSRS": score_ssrs,
    "SDSS": score_sdss,
    "BPRS": score_bprs,
    "PANSS": score_panss,
}
_SSRS_GROUP = ("5A", "5B", "5C", "5D", "5E")


@dataclass(frozen=True)
class ScaleForm:
    """One filled-in scale, whichever source it came from."""

    kind: str  # the record kind, for messages
    record_key: str
    scale: str
    items: Mapping[str, Answer]
    reported_total: int | None
    authored: str
    frame: ObservationFrame  # subject, encounter, author, key


def _answers(value: Answer) -> list[dict[str, Any]]:
    if isinstance(value, int):
        return [{"valueInteger": value}]
    # An explicit "no source" answer: an item with no answer would be dropped by readers.
    sources = list(value) or [0]
    return [{"valueCoding": ours("ssrs-source", str(source))} for source in sources]


def _item_order(item_id: str) -> tuple[int, str]:
    number = item_id.rstrip("ABCDE")
    return (int(number) if number.isdigit() else 10**6, item_id)


def _response_items(form: ScaleForm) -> list[dict[str, Any]]:
    """Items in the Questionnaire's order; SSRS item 5 is a group of 5A-5E."""
    items: list[dict[str, Any]] = []
    ordered = sorted(form.items, key=_item_order)
    for item_id in ordered:
        if item_id in _SSRS_GROUP:
            if not items or items[-1]["linkId"] != "5":
                items.append({"linkId": "5", "item": []})
            items[-1]["item"].append({"linkId": item_id, "answer": _answers(form.items[item_id])})
        else:
            items.append({"linkId": item_id, "answer": _answers(form.items[item_id])})
    return items


def _response(form: ScaleForm) -> Any:
    frame = form.frame
    return build(
        {
            "resourceType": "QuestionnaireResponse",
            "id": stable_id(frame.ctx.source_system, "QuestionnaireResponse", frame.key),
            "questionnaire": questionnaire_url(form.scale.lower()) + "|1.0.0",
            "status": "completed",
            "subject": frame.subject,
            "encounter": frame.encounter,
            "authored": form.authored,
            "author": frame.performer,
            "item": _response_items(form),
        }
    )


def _interpretation(form: ScaleForm, total: int) -> dict[str, Any] | None:
    ctx = form.frame.ctx
    if form.scale == "SSRS":
        return concept(ours("score-interpretation", ssrs_band(total, ctx.ssrs_bands)))
    if form.scale == "SDSS":
        impaired = sdss_impaired(total, ctx.sdss_impairment_threshold)
        return concept(ours("score-interpretation", "impaired" if impaired else "not-impaired"))
    return None


def _score(form: ScaleForm) -> ScaleScore | None:
    """The hub's score, or None for a known scale the hub has no scoring rules for (FBS)."""
    local_code("scale", form.scale, "scale", Where(form.kind, form.record_key))
    scorer = _SCORERS.get(form.scale)
    if scorer is None:
        return None
    try:
        return scorer(form.items)
    except ScaleItemError as error:
        raise InvalidValue(
            form.kind, form.record_key, f"items.{error.item}", error.value, str(error)
        ) from None


def map_scale(form: ScaleForm) -> tuple[list[Any], list[MappingWarning]]:
    """QuestionnaireResponse, an Observation per total and subscale, and total-check warnings."""
    score = _score(form)
    response = _response(form)
    if score is None:
        note = MappingWarning("scale", f"{form.scale} has no scoring rules in the hub; no total")
        return [response], [note]
    frame = ObservationFrame(
        ctx=form.frame.ctx,
        key=form.frame.key,
        subject=form.frame.subject,
        effective=form.frame.effective,
        encounter=form.frame.encounter,
        performer=form.frame.performer,
        derived_from=local_ref({"resourceType": "QuestionnaireResponse", "id": response.id}),
    )
    warnings: list[MappingWarning] = []
    observations: list[Any] = []
    name = form.scale.lower()
    if score.total is None:
        warnings.append(
            MappingWarning(
                "items", f"{form.scale} items missing: {', '.join(score.missing)}; no total"
            )
        )
    else:
        observations.append(
            to_observation(
                frame,
                f"{name}-total",
                "survey",
                {"valueInteger": score.total},
                interpretation=_interpretation(form, score.total),
            )
        )
        if form.reported_total is not None and form.reported_total != score.total:
            warnings.append(
                MappingWarning(
                    "reported_total",
                    f"{form.scale} total computed from the items is {score.total}, "
                    f"the source recorded {form.reported_total}",
                )
            )
    for subscale, value in score.subscales.items():
        observations.append(
            to_observation(frame, f"{name}-{subscale}", "survey", {"valueInteger": value})
        )
    return [response, *observations], warnings
