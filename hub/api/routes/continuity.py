"""Continuity JSON API: a person's timeline, the worklist, the rules, and an evaluation run."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hub.api.auth import caseload
from hub.api.deps import SettingsDep, StoreDep
from hub.continuity.catalogue import RULES
from hub.continuity.rules import ContinuityOptions
from hub.continuity.service import evaluate_store, person_resources
from hub.continuity.worklist import counts, worklist
from hub.security.compartment import catchment_street
from hub.timeline import build_timeline, source_systems, timeline_bundle

router = APIRouter()


@router.get("/api/patients/{patient_id}/timeline")
def patient_timeline(store: StoreDep, settings: SettingsDep, patient_id: str) -> dict[str, Any]:
    """The person's timeline events, oldest first (golden Patient covers its source Patients)."""
    with store.reading() as session:
        session.read("Patient", patient_id)  # 404/410 through the one error handler
        resources = person_resources(session, patient_id)
    events = build_timeline(resources, source_systems(resources))
    return {
        "patient": patient_id,
        "language": settings.language,
        "events": [e.as_dict() for e in events],
    }


@router.get("/fhir/Patient/{patient_id}/$timeline")
def patient_timeline_fhir(store: StoreDep, settings: SettingsDep, patient_id: str) -> JSONResponse:
    """The timeline as a FHIR Bundle (collection): a List of events, then the resources."""
    with store.reading() as session:
        session.read("Patient", patient_id)
        resources = person_resources(session, patient_id)
    events = build_timeline(resources, source_systems(resources))
    bundle = timeline_bundle(
        patient_id, events, resources, base_url=settings.fhir_base_url, language=settings.language
    )
    return JSONResponse(bundle, media_type="application/fhir+json")


@router.get("/api/worklist")
def worklist_json(
    request: Request,
    store: StoreDep,
    organization: str | None = None,
    owner: str | None = None,
    street: str | None = None,
    rule: str | None = None,
    status: str = "requested",
) -> dict[str, Any]:
    """Open gaps for a team (organization), a case manager (owner), a street or a rule."""
    principal = getattr(request.state, "principal", None)
    street = catchment_street(principal, street)
    with store.reading() as session:
        items = worklist(
            session, organization=organization, owner=owner, street=street, rule=rule, status=status
        )
    clients = caseload(store, principal)
    if clients is not None:  # a social worker: the gaps of their own clients
        items = [i for i in items if i.patient_id in clients]
    return {"total": len(items), "counts": counts(items), "items": [i.as_dict() for i in items]}


@router.get("/api/continuity/rules")
def continuity_rules() -> list[dict[str, str]]:
    """The rules: id, titles, description and source in the national specification."""
    return [
        {
            "id": r.id,
            "title_zh": r.title[0],
            "title_en": r.title[1],
            "description": r.description,
            "source": r.source,
            "owner": r.owner,
        }
        for r in RULES
    ]


@router.post("/api/continuity/evaluate")
def continuity_evaluate(
    store: StoreDep, settings: SettingsDep, as_of: date | None = None
) -> dict[str, Any]:
    """Evaluate the rules over the store as of a day (default today); write and close Tasks."""
    options = ContinuityOptions(follow_up=settings.follow_up)
    return evaluate_store(store, as_of=as_of or date.today(), options=options).as_dict()
