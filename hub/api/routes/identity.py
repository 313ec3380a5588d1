"""Identity over HTTP: the review queue, reviewer decisions, and FHIR ``Patient/$match``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from hub.api.deps import SettingsDep, StoreDep
from hub.api.errors import BadRequest, NotFound
from hub.api.openapi_docs import RESOURCE_BODY
from hub.api.responses import FhirResponse, fhir_json
from hub.identity.codec import decision_to_json
from hub.identity.review import (
    UnknownRecords,
    decide_pair,
    find_matches,
    review_queue,
    split_records,
)
from hub.security.roles import Principal
from hub.wiring import identity_settings

__all__ = ["router"]

router = APIRouter(tags=["identity"])

MATCH_GRADE_URL = "http://hl7.org/fhir/StructureDefinition/match-grade"
#: Separates the two record ids of a pair in ``/api/identity/review/{pair}``.
PAIR_SEPARATOR = "~"


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Decision(BaseModel):
    """Why (and, when access control is off, who): kept with the decision for ever.

    With access control on, the reviewer recorded is the caller the token names, never a
    name in the body.
    """

    by: Text | None = None
    reason: Text


class SplitRequest(Decision):
    """A split: groups of source record ids that are different people."""

    groups: Annotated[list[list[str]], Field(min_length=2)]


@router.get("/api/identity/review")
def list_review(store: StoreDep) -> list[dict[str, Any]]:
    """Possible matches waiting for a person, likeliest first."""
    return [
        {
            "pair": f"{i.left}{PAIR_SEPARATOR}{i.right}",
            "left": i.left,
            "right": i.right,
            "probability": i.probability,
            "reason": i.reason,
        }
        for i in review_queue(store)
    ]


def _reviewer(request: Request, body: Decision) -> str:
    """Who decides: the authenticated caller, else the body's ``by``."""
    principal = getattr(request.state, "principal", None)
    if isinstance(principal, Principal):
        return principal.subject
    if body.by is None:
        raise BadRequest("A decision needs 'by' (who decides) when access control is off.")
    return body.by


def _pair(pair: str) -> tuple[str, str]:
    """The two record ids of a pair path segment."""
    left, sep, right = pair.partition(PAIR_SEPARATOR)
    if not sep or not left or not right:
        raise BadRequest(f"A pair is two record ids joined by {PAIR_SEPARATOR!r}.")
    return left, right


@router.post("/api/identity/review/{pair}/{verdict}")
def decide(
    pair: str,
    verdict: str,
    body: Decision,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Accept (same person) or reject (different people) a possible match."""
    if verdict not in ("accept", "reject"):
        raise BadRequest("A review verdict is accept or reject.")
    left, right = _pair(pair)
    with _refusals():
        decision = decide_pair(
            store,
            same_person=verdict == "accept",
            left=left,
            right=right,
            reviewer=_reviewer(request, body),
            reason=body.reason,
            settings=identity_settings(settings.identity),
        )
    return decision_to_json(decision)


@contextmanager
def _refusals() -> Iterator[None]:
    """A decision naming unknown records is 404; one that cannot be taken is 400."""
    try:
        yield
    except UnknownRecords as exc:
        raise NotFound(str(exc)) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


@router.post("/api/identity/split")
def split(
    body: SplitRequest, request: Request, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """Keep groups of records apart for good (a golden person that holds several people)."""
    with _refusals():
        decision = split_records(
            store,
            groups=body.groups,
            reviewer=_reviewer(request, body),
            reason=body.reason,
            settings=identity_settings(settings.identity),
        )
    return decision_to_json(decision)


def _match_parameters(body: bytes) -> tuple[dict[str, Any], bool, int | None]:
    """(Patient, onlyCertainMatches, count) from a $match Parameters resource."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON ({exc.msg}).") from None
    if not isinstance(document, dict) or document.get("resourceType") != "Parameters":
        raise BadRequest("$match needs a Parameters resource.")
    found = {p.get("name"): p for p in document.get("parameter") or [] if isinstance(p, dict)}
    patient = (found.get("resource") or {}).get("resource")
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        raise BadRequest("$match needs a parameter 'resource' holding a Patient.")
    only_certain = bool((found.get("onlyCertainMatches") or {}).get("valueBoolean", False))
    count = (found.get("count") or {}).get("valueInteger")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise BadRequest("$match count is a positive integer.")
    return patient, only_certain, count


@router.post("/fhir/Patient/$match", openapi_extra=RESOURCE_BODY)
async def patient_match(request: Request, store: StoreDep, settings: SettingsDep) -> FhirResponse:
    """Golden Patients that may be the given Patient, with score and match grade."""
    patient, only_certain, count = _match_parameters(await request.body())
    matches = await run_in_threadpool(
        find_matches,
        store,
        patient,
        settings=identity_settings(settings.identity),
        count=count,
        only_certain=only_certain,
    )
    base = settings.fhir_base_url
    entries = [
        {
            "fullUrl": f"{base}/Patient/{m.patient['id']}",
            "resource": m.patient,
            "search": {
                "mode": "match",
                "score": round(m.score, 6),
                "extension": [{"url": MATCH_GRADE_URL, "valueCode": m.grade}],
            },
        }
        for m in matches
    ]
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(entries)}
    return fhir_json(bundle | {"entry": entries})
