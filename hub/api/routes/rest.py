"""FHIR RESTful interactions: read, vread, create, update, delete, history, metadata."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from hub.api.auth import PrincipalDep
from hub.api.bundles import page_links
from hub.api.capability import capability_statement
from hub.api.deps import ReadsDep, SettingsDep, StoreDep, require_permission
from hub.api.errors import BadRequest
from hub.api.fhir_input import (
    check_structure,
    parse_body,
    parse_etag,
    parse_http_date,
    require_type,
)
from hub.api.negotiation import negotiate
from hub.api.openapi_docs import RESOURCE_BODY, SEARCH_QUERY, IdPath, TypePath
from hub.api.responses import (
    FhirResponse,
    fhir_json,
    stored_resource_response,
    version_headers,
    written_response,
)
from hub.api.routes.search import query_context
from hub.api.writes import Written, conditional_match, create_resource, update_resource
from hub.config import Settings
from hub.search.dates import parse_fhir_date
from hub.store import FhirStore, StoredResource
from hub.store.documents import instant

router = APIRouter(prefix="/fhir", dependencies=[Depends(negotiate)])

_MAX_HISTORY = 1000

#: Versions are 32-bit integers in the store.
VersionPath = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/metadata")
def metadata(settings: SettingsDep) -> FhirResponse:
    """The CapabilityStatement."""
    statement = capability_statement(
        base_url=settings.fhir_base_url,
        software_version=version("carehub"),
        date=datetime.now(UTC).date().isoformat(),
    )
    return fhir_json(statement)


def _history_entry(base: str, stored: StoredResource) -> dict[str, Any]:
    url = f"{stored.resource_type}/{stored.resource_id}"
    entry: dict[str, Any] = {"fullUrl": f"{base}/{url}"}
    if stored.content is not None:
        entry["resource"] = stored.as_dict()
    method = "DELETE" if stored.deleted else ("POST" if stored.version_id == 1 else "PUT")
    entry["request"] = {"method": method, "url": url if method != "POST" else stored.resource_type}
    entry["response"] = {
        "status": "204" if stored.deleted else ("201" if stored.version_id == 1 else "200"),
        "etag": f'W/"{stored.version_id}"',
        "lastModified": instant(stored.last_updated),
    }
    return entry


def _history(
    store: StoreDep,
    settings: SettingsDep,
    key: tuple[str | None, str | None],
    page: tuple[str | None, int, int],
) -> FhirResponse:
    (resource_type, resource_id), (since, count, offset) = key, page
    since_at = None
    if since:
        try:
            since_at = parse_fhir_date(since)[0]
        except ValueError:
            raise BadRequest(f"_since {since!r} is not a FHIR instant.") from None
    with store.reading() as session:
        if resource_type and resource_id:
            session.current(resource_type, resource_id) or session.read(resource_type, resource_id)
        # One more than the page tells whether a next page exists.
        entries = session.history(
            resource_type, resource_id, since=since_at, limit=count + 1, offset=offset
        )
    more = len(entries) > count
    entries = entries[:count]
    base = settings.fhir_base_url
    path = "/".join(p for p in (base, resource_type, resource_id, "_history") if p)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "history"}
    if not more:
        bundle["total"] = offset + len(entries)
    bundle["link"] = page_links(
        path,
        [("_since", since)] if since else [],
        count=count,
        offset=offset,
        page_size=count if more else len(entries),
        total=None if more else offset + len(entries),
    )
    bundle["entry"] = [_history_entry(base, stored) for stored in entries]
    return fhir_json(bundle)


SinceQuery = Annotated[str | None, Query(alias="_since")]
CountQuery = Annotated[int, Query(alias="_count", ge=1, le=_MAX_HISTORY)]
OffsetQuery = Annotated[int, Query(alias="_offset", ge=0, le=10**9)]


@router.get("/_history")
def system_history(
    store: StoreDep,
    settings: SettingsDep,
    since: SinceQuery = None,
    count: CountQuery = 100,
    offset: OffsetQuery = 0,
) -> FhirResponse:
    """History of the whole system, newest first."""
    return _history(store, settings, (None, None), (since, count, offset))


@router.get("/{resource_type}/_history")
def type_history(
    resource_type: TypePath,
    store: StoreDep,
    settings: SettingsDep,
    since: SinceQuery = None,
    count: CountQuery = 100,
    offset: OffsetQuery = 0,
) -> FhirResponse:
    """History of one resource type, newest first."""
    return _history(store, settings, (require_type(resource_type), None), (since, count, offset))


@router.get("/{resource_type}/{resource_id}/_history")
def instance_history(
    resource_type: TypePath,
    resource_id: IdPath,
    store: StoreDep,
    settings: SettingsDep,
    since: SinceQuery = None,
    count: CountQuery = 100,
    offset: OffsetQuery = 0,
) -> FhirResponse:
    """Every version of one resource, newest first."""
    return _history(
        store, settings, (require_type(resource_type), resource_id), (since, count, offset)
    )


@router.get("/{resource_type}/{resource_id}/_history/{version_id}")
async def vread(
    resource_type: TypePath, resource_id: IdPath, version_id: VersionPath, reads: ReadsDep
) -> FhirResponse:
    """One version of a resource."""
    return stored_resource_response(
        reads.vread(require_type(resource_type), resource_id, version_id)
    )


@router.get("/{resource_type}/{resource_id}")
async def read(
    resource_type: TypePath,
    resource_id: IdPath,
    reads: ReadsDep,
    if_none_match: Annotated[str | None, Header()] = None,
    if_modified_since: Annotated[str | None, Header()] = None,
) -> Response:
    """The current version; 304 when the client's copy is current."""
    # One indexed lookup of about a millisecond: run on the event loop, which costs less
    # than the thread-pool hop a sync route takes (measured in bench/api.py).
    stored = reads.read(require_type(resource_type), resource_id)
    if if_none_match is not None and parse_etag(if_none_match) == stored.version_id:
        return Response(status_code=304, headers=version_headers(stored))
    modified_since = parse_http_date(if_modified_since)
    if modified_since is not None and stored.last_updated.replace(microsecond=0) <= modified_since:
        return Response(status_code=304, headers=version_headers(stored))
    return stored_resource_response(stored)


@router.post("/{resource_type}", openapi_extra=RESOURCE_BODY)
async def create(
    resource_type: TypePath,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    prefer: Annotated[str | None, Header()] = None,
    if_none_exist: Annotated[str | None, Header()] = None,
) -> Response:
    """Create with a server-assigned id; If-None-Exist makes it conditional."""
    document = parse_body(await request.body(), expected_type=require_type(resource_type))
    check_structure(document)

    def write() -> Written:
        with store.begin() as session:
            return create_resource(
                session, document, if_none_exist=if_none_exist, ctx=query_context(settings)
            )

    written = await run_in_threadpool(write)
    return written_response(written.stored, written.status, prefer, settings.fhir_base_url)


async def _update(
    request: Request,
    store: FhirStore,
    settings: Settings,
    resource_type: str,
    resource_id: str | None,
    headers: tuple[str | None, str | None],
) -> Response:
    if_match, prefer = headers
    document = parse_body(await request.body(), expected_type=require_type(resource_type))
    condition = str(request.url.query) if resource_id is None else None
    if resource_id is None and not condition:
        raise BadRequest("A conditional update needs search parameters: PUT Type?param=value.")
    check_structure(document)

    def write() -> Written:
        with store.begin() as session:
            return update_resource(
                session,
                document,
                resource_id=resource_id,
                condition=condition,
                if_match=parse_etag(if_match),
                ctx=query_context(settings),
            )

    written = await run_in_threadpool(write)
    return written_response(written.stored, written.status, prefer, settings.fhir_base_url)


@router.put("/{resource_type}/{resource_id}", openapi_extra=RESOURCE_BODY)
async def update(
    resource_type: TypePath,
    resource_id: IdPath,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    if_match: Annotated[str | None, Header()] = None,
    prefer: Annotated[str | None, Header()] = None,
) -> Response:
    """Update (or create with the client's id); If-Match for optimistic locking."""
    return await _update(request, store, settings, resource_type, resource_id, (if_match, prefer))


@router.put(
    "/{resource_type}",
    openapi_extra={**RESOURCE_BODY, "parameters": SEARCH_QUERY},
)
async def conditional_update(
    resource_type: TypePath,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    if_match: Annotated[str | None, Header()] = None,
    prefer: Annotated[str | None, Header()] = None,
) -> Response:
    """Update the one resource the search matches; create if none does; 412 if several."""
    return await _update(request, store, settings, resource_type, None, (if_match, prefer))


@router.delete("/{resource_type}/{resource_id}")
def delete(
    resource_type: TypePath,
    resource_id: IdPath,
    store: StoreDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Delete (idempotent: deleting what is gone or absent also answers 204)."""
    store.delete(require_type(resource_type), resource_id, if_match=parse_etag(if_match))
    return Response(status_code=204)


@router.delete("/{resource_type}", openapi_extra={"parameters": SEARCH_QUERY})
def conditional_delete(
    resource_type: TypePath,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Delete the one resource the search matches (204 also when none does); 412 if several."""
    resource_type = require_type(resource_type)
    require_permission(principal, resource_type, "d")
    condition = str(request.url.query)
    if not condition:
        raise BadRequest("A conditional delete needs search parameters: DELETE Type?param=value.")
    expected = parse_etag(if_match)
    with store.begin() as session:
        found = conditional_match(session, resource_type, condition, query_context(settings))
        if found is not None:
            session.delete(resource_type, found, if_match=expected)
    return Response(status_code=204)
