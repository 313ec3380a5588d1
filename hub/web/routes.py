"""Routes of the web pages and their static files (served by the hub itself, no CDN)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.api.auth import caseload
from hub.api.deps import SettingsDep, StoreDep
from hub.api.errors import NotFound
from hub.api.routes.continuity import continuity_rules
from hub.continuity.service import person_resources
from hub.continuity.worklist import worklist
from hub.security.compartment import catchment_street
from hub.timeline import build_timeline, source_systems
from hub.web.pages import render_patient, render_worklist

router = APIRouter(include_in_schema=False)

_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@router.get("/worklist")
def worklist_short(request: Request) -> RedirectResponse:
    """The address the demo prints: the worklist page, filters kept."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/web/worklist{query}", status_code=307)


@router.get("/web/worklist", response_class=HTMLResponse)
def worklist_page(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    organization: str | None = None,
    owner: str | None = None,
    street: str | None = None,
    rule: str | None = None,
) -> HTMLResponse:
    """The worklist page with its filters (a caller limited to an area sees that area only)."""
    principal = getattr(request.state, "principal", None)
    street = catchment_street(principal, street or None)
    filters = {"organization": organization, "owner": owner, "street": street, "rule": rule}
    with store.reading() as session:
        items = worklist(
            session,
            organization=organization or None,
            owner=owner or None,
            street=street or None,
            rule=rule or None,
        )
    clients = caseload(store, principal)
    if clients is not None:  # a social worker: the gaps of their own clients
        items = [i for i in items if i.patient_id in clients]
    return HTMLResponse(render_worklist(items, filters, continuity_rules(), settings.language))


@router.get("/web/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(store: StoreDep, settings: SettingsDep, patient_id: str) -> HTMLResponse:
    """One person's continuity-of-care page."""
    with store.reading() as session:
        patient = session.read("Patient", patient_id).as_dict()
        resources = person_resources(session, patient_id)
    events = build_timeline(resources, source_systems(resources))
    return HTMLResponse(render_patient(patient, resources, events, settings.language))


@router.get("/web/static/{name}")
def static_file(name: str) -> Response:
    """CSS and JavaScript of the pages, from the package."""
    suffix = name[name.rfind(".") :] if "." in name else ""
    path = files("hub.web").joinpath("static", name)
    if "/" in name or suffix not in _STATIC_TYPES or not path.is_file():
        raise NotFound(f"No static file {name!r}.")
    return Response(path.read_bytes(), media_type=_STATIC_TYPES[suffix])
