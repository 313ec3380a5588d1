"""AuditEvent: searchable by the auditor, append-only (no create, update or delete here)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request

from hub.api.auth import authorize
from hub.api.errors import ApiError, NotFound
from hub.api.responses import FhirResponse, fhir_json
from hub.security.audit import AuditLog

router = APIRouter(prefix="/fhir/AuditEvent", tags=["audit"], dependencies=[Depends(authorize)])


class NotAllowed(ApiError):
    """405: the audit trail is append-only."""

    status_code, issue_code = 405, "not-supported"


def _bundle(
    request: Request, total: int, events: list[dict[str, Any]], page: tuple[int, int]
) -> dict[str, Any]:
    count, offset = page
    base = str(request.url).split("?")[0]
    query = {k: v for k, v in request.query_params.items() if k not in ("_count", "_offset")}

    def link(relation: str, at: int) -> dict[str, str]:
        return {
            "relation": relation,
            "url": f"{base}?{urlencode(query | {'_count': count, '_offset': at})}",
        }

    links = [link("self", offset)]
    if count and offset + count < total:
        links.append(link("next", offset + count))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {"fullUrl": f"{base}/{e['id']}", "resource": e, "search": {"mode": "match"}}
            for e in events
        ],
    }


@router.get("")
@router.post("/_search")
def search_audit(
    request: Request,
    patient: str | None = None,
    agent: str | None = None,
    action: str | None = None,
    count: Annotated[int, Query(alias="_count", ge=0, le=1000)] = 100,
    offset: Annotated[int, Query(alias="_offset", ge=0, le=2**31 - 1)] = 0,
) -> FhirResponse:
    """AuditEvents oldest first, by patient (``Patient/id``), agent name or action."""
    audit: AuditLog = request.app.state.audit
    total, events = audit.search(
        patient=patient, agent=agent, action=action, limit=count, offset=offset
    )
    return fhir_json(_bundle(request, total, events, (count, offset)))


@router.get("/{event_id}")
def read_audit(request: Request, event_id: str) -> FhirResponse:
    """One AuditEvent by id."""
    audit: AuditLog = request.app.state.audit
    found = audit.find(event_id)
    if found is None:
        raise NotFound(f"AuditEvent/{event_id} is not known.")
    return fhir_json(found)


# POST /fhir/AuditEvent/$validate stays with the operations router (it writes nothing).
@router.api_route("", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
@router.api_route("/{event_id}", methods=["PUT", "PATCH", "DELETE"], include_in_schema=False)
def refuse_change() -> None:
    """The trail is append-only, for everyone: only the hub itself writes AuditEvents."""
    raise NotAllowed("AuditEvents cannot be created, changed or deleted through the API.")
