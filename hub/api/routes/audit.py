"""AuditEvent: searchable by the auditor, append-only (no create, update or delete here)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from hub.api.auth import authorize
from hub.api.errors import ApiError, NotFound
from hub.api.responses import FhirResponse, fhir_json
from hub.security.audit import AuditLog

router = APIRouter(prefix="/fhir/AuditEvent", tags=["audit"], dependencies=[Depends(authorize)])


class NotAllowed(ApiError):
    """405: the audit trail is append-only."""

    status_code, issue_code = 405, "not-supported"


@router.get("")
def search_audit(
    request: Request,
    patient: str | None = None,
    agent: str | None = None,
    action: Annotated[str | None, Query(pattern="^[CRUDE]$")] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=1000)] = 100,
) -> FhirResponse:
    """AuditEvents newest first, by patient (``Patient/id``), agent name or action."""
    audit: AuditLog = request.app.state.audit
    events = audit.search(patient=patient, agent=agent, action=action, limit=count)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(events),
        "entry": [{"resource": e, "search": {"mode": "match"}} for e in events],
    }
    return fhir_json(bundle)


@router.get("/{event_id}")
def read_audit(request: Request, event_id: str) -> FhirResponse:
    """One AuditEvent by id."""
    audit: AuditLog = request.app.state.audit
    found = audit.find(event_id)
    if found is None:
        raise NotFound(f"AuditEvent/{event_id} is not known.")
    return fhir_json(found)


@router.api_route("", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
@router.api_route(
    "/{event_id}", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
def refuse_change() -> None:
    """The trail is append-only, for everyone: only the hub itself writes AuditEvents."""
    raise NotAllowed("AuditEvents cannot be created, changed or deleted through the API.")
