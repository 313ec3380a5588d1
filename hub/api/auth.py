"""Access control on every route: who is asking (token or session), may they, and the audit.

``authorize`` is the dependency app.py puts on every data router. It works out what the
matched route needs (``hub.security.policy``), authenticates the caller, checks scopes
and compartment, and leaves an audit note in the request state; ``AuditMiddleware``
turns the note into exactly one AuditEvent once the response status is known.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.api.client_status import ClientStatusCache
from hub.config import Settings
from hub.search.compartment import (
    compartment_resources,
    linked_patients,
    managed_episodes,
    persons_of,
)
from hub.security.accounts import find_user, session_ended
from hub.security.audit import ACTIONS, AuditLog, AuditRecord
from hub.security.compartment import in_area, manages_case, patient_of_query
from hub.security.errors import Forbidden, NotAuthenticated
from hub.security.masking import mask_text
from hub.security.policy import (
    PUBLIC_ROUTES,
    Requirement,
    bundle_needs,
    check,
    requirement_for,
)
from hub.security.roles import Principal, Role
from hub.security.scopes import parse_scopes
from hub.security.source_guard import foreign_writes
from hub.security.tokens import SESSION_CLAIM, TokenService
from hub.store import FhirStore

__all__ = [
    "SESSION_COOKIE",
    "AuditMiddleware",
    "PrincipalDep",
    "authorize",
    "caseload",
    "client_ip",
]

SESSION_COOKIE = "hub_session"

#: Who is asking when access control is switched off (tests only): full access, audited.
_UNCHECKED = Principal("anonymous", Role.INTEGRATION_TEAM, parse_scopes("system/*.cruds"))


#: The caller of a public route: no scopes at all.
_NOBODY = Principal("anonymous", Role.AUDITOR, [])


def client_ip(request: Request) -> str | None:
    """The peer address of the request."""
    return request.client.host if request.client else None


def _credentials(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.cookies.get(SESSION_COOKIE)


def _note(request: Request, needed: Requirement, who: Principal | None) -> None:
    if not needed.patient_level:
        return
    query = mask_text(str(request.url.query))[:2000] or None
    request.state.audit = AuditRecord(
        action=ACTIONS.get(request.method, "E") if needed.subtype != "operation" else "E",
        subtype=needed.subtype,
        outcome="0",
        agent=who.subject if who else "unknown",
        role=who.role.value if who else None,
        client_ip=client_ip(request),
        patient=needed.patient,
        entity=needed.entity,
        query=query,
        status=0,
    )


async def authorize(request: Request) -> Principal:
    """The caller, if they may use the matched route; 401/403 otherwise (audited)."""
    settings: Settings = request.app.state.settings
    route: Any = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    if template in PUBLIC_ROUTES:
        return _NOBODY
    needed = requirement_for(template, request.method, request.path_params)
    if not settings.auth.enabled:
        _note(request, needed, _UNCHECKED)
        return _UNCHECKED
    _note(request, needed, None)
    token = _credentials(request)
    if not token:
        raise NotAuthenticated("This request needs a bearer token or a login.")
    tokens: TokenService = request.app.state.tokens
    principal = tokens.principal(token, client_ip(request))
    session_id = principal.extra.get(SESSION_CLAIM)
    if session_id is not None:  # a login session, sent as a cookie or as a bearer header
        await run_in_threadpool(_check_user_active, request, principal.subject, session_id)
    else:
        await _check_client_active(request, principal)
    _note(request, needed, principal)
    if needed.subtype == "transaction":
        needed = await _entry_needs(request, needed)
    check(principal, needed, settings.district_code, request.query_params)
    if principal.role is Role.CONNECTOR and principal.source and request.method in _WRITES:
        await _check_source(request, principal.source)
    if principal.area and needed.patient_level:
        await run_in_threadpool(_check_area, request, needed, principal.area)
    if (
        principal.role is Role.SOCIAL_WORKER
        and needed.patient_level
        and not _self_filtered(request)
    ):
        caseload_of = principal.extra.get("fhirUser")
        if not caseload_of:
            # Minimum necessary (DOMAIN.md): a social worker sees their own cases only,
            # so one the hub cannot place as a case manager sees no client at all.
            raise Forbidden(
                "A social worker reaches client records only as the Practitioner of their "
                "cases; this login names no Practitioner (hub users add --practitioner)."
            )
        await run_in_threadpool(_check_caseload, request, needed, caseload_of)
    request.state.principal = principal
    return principal


_WRITES = frozenset({"POST", "PUT", "PATCH"})


async def _check_source(request: Request, source: str) -> None:
    """A connector bound to a source writes only resources that show they come from it."""
    if request.method == "PATCH":
        raise Forbidden("A connector bound to a source writes whole resources, not patches.")
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return  # the route answers 400 and writes nothing
    refused = foreign_writes(source, body)
    if refused:
        shown = ", ".join(refused[:5]) + (" ..." if len(refused) > 5 else "")
        raise Forbidden(
            f"The connector of {source!r} may write only its own source's resources "
            f"(meta.source, or a Provenance of {source!r} in the same Bundle): {shown}."
        )


async def _entry_needs(request: Request, needed: Requirement) -> Requirement:
    """A transaction needs what its entries need (a connector may post its own types)."""
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return needed  # the route answers 400; until then, ask for the broadest writes
    entries = bundle_needs(body)
    return needed if entries is None else replace(needed, needs=entries)


#: Routes that narrow their answer to the caller's area and caseload themselves.
_AREA_FILTERED_ROUTES = frozenset({"/api/worklist", "/web/worklist"})


def _self_filtered(request: Request) -> bool:
    return getattr(request.scope.get("route"), "path", None) in _AREA_FILTERED_ROUTES


def _check_area(request: Request, needed: Requirement, area: str) -> None:
    """Catchment-limited callers reach only patients of their area, one at a time."""
    if _self_filtered(request):
        return
    patient = _named_patient(request, needed)
    if patient is None:
        raise Forbidden("Callers limited to a catchment must name one patient of it.")
    store: FhirStore = request.app.state.store
    current = _current_patient(store, patient)
    if current is None or not in_area(current, area):
        raise Forbidden("The patient is outside the caller's catchment.")


def _named_patient(request: Request, needed: Requirement) -> str | None:
    """The one patient a patient-level request is about (read, or a search narrowed to one)."""
    if needed.patient is not None:
        return needed.patient.removeprefix("Patient/")
    if needed.subtype == "search-type":
        return patient_of_query(request.path_params.get("resource_type", ""), request.query_params)
    return None


def _check_caseload(request: Request, needed: Requirement, practitioner: str) -> None:
    """A social worker known as a Practitioner reaches only the clients of their own cases."""
    patient = _named_patient(request, needed)
    if patient is None:
        raise Forbidden("A social worker's request must name one client of their caseload.")
    store: FhirStore = request.app.state.store
    with store.reading() as session:
        members = linked_patients(session.conn, patient)
        episodes = compartment_resources(session.conn, members, types=["EpisodeOfCare"])
    if not manages_case([orjson.loads(h.content) for h in episodes], practitioner):
        raise Forbidden("The patient is not a client of the caller's social-work cases.")


def caseload(store: FhirStore, principal: Principal | None) -> set[str] | None:
    """The Patients a social worker may see (the persons of their own cases); None: no limit.

    For the routes that list many patients at once (the worklist): they keep only these.
    """
    if principal is None or principal.role is not Role.SOCIAL_WORKER:
        return None
    practitioner = principal.extra.get("fhirUser")
    if not practitioner:
        return set()
    with store.reading() as session:
        episodes = [orjson.loads(h.content) for h in managed_episodes(session.conn, practitioner)]
        clients = [
            str((e.get("patient") or {}).get("reference", "")).removeprefix("Patient/")
            for e in episodes
            if manages_case([e], practitioner)
        ]
        return persons_of(session.conn, [c for c in clients if c])


def _check_user_active(request: Request, username: str, session_id: str) -> None:
    """Sessions live for hours: a revoked user's or a logged-out session ends at once."""
    store: FhirStore = request.app.state.store
    user = find_user(store.engine, username)
    if user is None or user.revoked:
        raise NotAuthenticated("The session's user has been revoked.")
    if session_ended(store.engine, session_id):
        raise NotAuthenticated("The session has ended.")


async def _check_client_active(request: Request, principal: Principal) -> None:
    """A revoked client's tokens stop within ``revocation_check_seconds``, not at expiry."""
    clients: ClientStatusCache = request.app.state.client_status
    revoked = clients.known_revoked(principal.subject, principal.issued_at)
    if revoked is None:
        revoked = await run_in_threadpool(
            clients.is_revoked, principal.subject, principal.issued_at
        )
    if revoked:
        raise NotAuthenticated("The token's client has been revoked.")


def _current_patient(store: FhirStore, patient_id: str) -> dict[str, Any] | None:
    with store.reading() as session:
        stored = session.current("Patient", patient_id)
    return stored.as_dict() if stored is not None and not stored.deleted else None


PrincipalDep = Annotated[Principal, Depends(authorize)]


class AuditMiddleware:
    """Writes the request's audit note (if any) with the final status: one per request."""

    def __init__(self, app: ASGIApp, audit: AuditLog) -> None:
        self.app = app
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, remember the status, and audit after the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def remember(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, remember)
        finally:
            note = scope.get("state", {}).get("audit")
            if isinstance(note, AuditRecord):
                note.status = status
                note.outcome = "0" if status < 400 else ("4" if status < 500 else "8")
                # After the response is sent, and only a list append: a full batch is
                # written off the event loop; the rest by the audit thread within a second.
                if self.audit.record(note):
                    await run_in_threadpool(self.audit.flush)
