"""Transaction and batch Bundles (POST /fhir).

A transaction runs every entry in one StoreSession: all commit or none does. Entries run in
the order the specification gives (DELETE, POST, PUT, GET); ``urn:uuid:`` full URLs of
created resources are given ids first and every reference to them is rewritten. A batch
runs each entry in its own session and reports each outcome in its response entry.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from hub.api.errors import ApiError, BadRequest, NotFound, operation_outcome
from hub.api.fhir_input import check_structure, parse_etag, require_type
from hub.api.patch import parse_json_patch
from hub.api.writes import (
    Written,
    conditional_match,
    create_resource,
    new_id,
    patch_resource,
    update_resource,
)
from hub.search.errors import InvalidSearch, SearchError
from hub.search.request import parse_search
from hub.search.service import run_search
from hub.search.sql import QueryContext
from hub.store import FhirStore, StoredResource, StoreError, StoreSession
from hub.store.documents import instant
from hub.store.errors import ResourceGone, ResourceNotFound, VersionConflict

__all__ = ["process_bundle"]

_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified"}


@dataclass
class _Entry:
    """One request entry, checked."""

    index: int
    method: str
    url: str
    resource: dict[str, Any] | None
    full_url: str | None
    request: dict[str, Any]
    #: The id a create or update will write, settled before anything runs.
    target_id: str | None = None

    @property
    def path(self) -> list[str]:
        """The URL's path segments (relative to the base)."""
        return [p for p in urlsplit(self.url).path.split("/") if p]

    @property
    def query(self) -> str:
        """The URL's query string."""
        return urlsplit(self.url).query


def _entries(bundle: dict[str, Any], base_url: str) -> list[_Entry]:
    entries = []
    for index, raw in enumerate(bundle.get("entry") or []):
        if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
            raise BadRequest(f"Bundle.entry[{index}] has no request.")
        request = raw["request"]
        method, url = request.get("method"), request.get("url")
        if method not in _ORDER or not isinstance(url, str) or not url:
            raise BadRequest(f"Bundle.entry[{index}].request needs a method and a url.")
        url = url.removeprefix(base_url.rstrip("/") + "/")
        resource = raw.get("resource")
        if method in ("POST", "PUT") and not isinstance(resource, dict):
            raise BadRequest(f"Bundle.entry[{index}] ({method}) has no resource.")
        entries.append(_Entry(index, method, url, resource, raw.get("fullUrl"), request))
    return entries


def _rewrite(value: Any, mapping: dict[str, str]) -> Any:
    """The value with every ``reference`` found in ``mapping`` replaced."""
    if isinstance(value, dict):
        out = {k: _rewrite(v, mapping) for k, v in value.items()}
        ref = out.get("reference")
        if isinstance(ref, str) and ref in mapping:
            out["reference"] = mapping[ref]
        return out
    if isinstance(value, list):
        return [_rewrite(v, mapping) for v in value]
    return value


def _assign_ids(session: StoreSession, entries: list[_Entry], ctx: QueryContext) -> dict[str, str]:
    """Full URL -> Type/id for the entries that create or update, before anything runs."""
    mapping: dict[str, str] = {}
    for entry in entries:
        if entry.resource is None or not entry.full_url:
            continue
        resource_type = require_type(str(entry.resource.get("resourceType")))
        if entry.method == "POST":
            condition = entry.request.get("ifNoneExist")
            found = conditional_match(session, resource_type, condition, ctx) if condition else None
            entry.target_id = found or new_id()
        elif len(entry.path) == 2:
            entry.target_id = entry.path[1]
        elif entry.query:
            found = conditional_match(session, resource_type, entry.query, ctx)
            entry.target_id = found or entry.resource.get("id") or new_id()
        if entry.target_id is not None:
            mapping[entry.full_url] = f"{resource_type}/{entry.target_id}"
    return mapping


def _response(written: StoredResource, status: int, base: str) -> dict[str, Any]:
    location = f"{written.resource_type}/{written.resource_id}/_history/{written.version_id}"
    entry: dict[str, Any] = {
        "fullUrl": f"{base}/{written.resource_type}/{written.resource_id}",
        "response": {
            "status": f"{status} {_REASONS.get(status, '')}".strip(),
            "location": location,
            "etag": f'W/"{written.version_id}"',
            "lastModified": instant(written.last_updated),
        },
    }
    if written.content is not None:
        entry["resource"] = orjson.loads(written.content)
    return entry


def _get(session: StoreSession, entry: _Entry, ctx: QueryContext) -> dict[str, Any]:
    path = entry.path
    if len(path) == 1:
        request = parse_search(require_type(path[0]), parse_qsl(entry.query))
        result = run_search(session.conn, request, ctx)
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": result.total,
            "entry": [
                {
                    "fullUrl": f"{ctx.base_url}/{h.resource_type}/{h.resource_id}",
                    "resource": orjson.loads(h.content),
                    "search": {"mode": "match"},
                }
                for h in result.matches
            ],
        }
        return {"resource": bundle, "response": {"status": "200 OK"}}
    if len(path) == 2:
        return _response(session.read(require_type(path[0]), path[1]), 200, ctx.base_url)
    raise BadRequest(f"Bundle.entry[{entry.index}]: GET {entry.url} is not supported here.")


def _run(session: StoreSession, entry: _Entry, ctx: QueryContext) -> dict[str, Any]:
    path, method = entry.path, entry.method
    if method in ("GET", "HEAD"):
        return _get(session, entry, ctx)
    resource_type = require_type(path[0]) if path else ""
    if method == "DELETE":
        if len(path) != 2:
            raise BadRequest(f"Bundle.entry[{entry.index}]: DELETE needs Type/id.")
        if_match = parse_etag(entry.request.get("ifMatch"))
        session.delete(resource_type, path[1], if_match=if_match)
        return {"response": {"status": "204 No Content"}}
    if method == "PATCH":
        return _patch(session, entry, resource_type, ctx)
    assert entry.resource is not None
    if entry.resource.get("resourceType") != resource_type:
        raise BadRequest(f"Bundle.entry[{entry.index}]: the resource is not a {resource_type}.")
    check_structure(entry.resource)
    written: Written
    if method == "POST":
        written = create_resource(
            session,
            entry.resource,
            if_none_exist=entry.request.get("ifNoneExist"),
            ctx=ctx,
            resource_id=entry.target_id,
        )
    elif method == "PUT":
        target = entry.target_id or (path[1] if len(path) == 2 else None)
        document = {**entry.resource, "id": target} if target else entry.resource
        written = update_resource(
            session,
            document,
            resource_id=target,
            condition=entry.query if len(path) == 1 else None,
            if_match=parse_etag(entry.request.get("ifMatch")),
            ctx=ctx,
        )
    else:
        raise BadRequest(f"Bundle.entry[{entry.index}]: {method} is not supported.")
    return _response(written.stored, written.status, ctx.base_url)


def _patch(
    session: StoreSession, entry: _Entry, resource_type: str, ctx: QueryContext
) -> dict[str, Any]:
    """A PATCH entry: a Binary holding a JSON Patch, on Type/id or on Type?search."""
    binary, where = entry.resource, f"Bundle.entry[{entry.index}]"
    if not isinstance(binary, dict) or binary.get("resourceType") != "Binary":
        raise BadRequest(f"{where}: PATCH takes a Binary resource holding a JSON Patch.")
    try:
        body = base64.b64decode(str(binary.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"{where}: Binary.data is not base64.") from None
    operations = parse_json_patch(body, str(binary.get("contentType", "")))
    path = entry.path
    if len(path) == 2:
        target = path[1]
    elif len(path) == 1 and entry.query:
        found = conditional_match(session, resource_type, entry.query, ctx)
        if found is None:
            raise NotFound(f"{where}: no {resource_type} matches {entry.query!r}.")
        target = found
    else:
        raise BadRequest(f"{where}: PATCH needs Type/id or Type?search.")
    if_match = parse_etag(entry.request.get("ifMatch"))
    stored = patch_resource(session, resource_type, target, operations, if_match=if_match)
    return _response(stored, 200, ctx.base_url)


def _transaction(store: FhirStore, entries: list[_Entry], ctx: QueryContext) -> list[Any]:
    results: list[Any] = [None] * len(entries)
    with store.begin() as session:
        mapping = _assign_ids(session, entries, ctx)
        for entry in entries:
            if entry.resource is not None and mapping:
                entry.resource = _rewrite(entry.resource, mapping)
        for entry in sorted(entries, key=lambda e: (_ORDER[e.method], e.index)):
            try:
                results[entry.index] = _run(session, entry, ctx)
            except ApiError as exc:
                # Name the failing entry; leaving the block rolls the whole transaction back.
                exc.message = f"Bundle.entry[{entry.index}] ({entry.method} {entry.url}): " + (
                    exc.message
                )
                raise
            except SearchError as exc:
                raise InvalidSearch(f"Bundle.entry[{entry.index}]: {exc}") from None
    return results


def _status_of(exc: Exception) -> int:
    if isinstance(exc, ApiError):
        return exc.status_code
    if isinstance(exc, ResourceNotFound):
        return 404
    if isinstance(exc, ResourceGone):
        return 410
    if isinstance(exc, VersionConflict):
        return 412 if exc.expected is not None else 409
    return 400


def _batch(store: FhirStore, entries: list[_Entry], ctx: QueryContext) -> list[Any]:
    results = []
    for entry in entries:
        try:
            with store.begin() as session:
                results.append(_run(session, entry, ctx))
        except (ApiError, StoreError, SearchError) as exc:
            status = _status_of(exc)
            message = exc.message if isinstance(exc, ApiError) else str(exc)
            results.append(
                {"response": {"status": str(status), "outcome": operation_outcome(message)}}
            )
    return results


def process_bundle(store: FhirStore, bundle: dict[str, Any], ctx: QueryContext) -> dict[str, Any]:
    """Run a transaction or batch Bundle and return its response Bundle."""
    kind = bundle.get("type")
    runners: dict[str, Callable[[FhirStore, list[_Entry], QueryContext], list[Any]]] = {
        "transaction": _transaction,
        "batch": _batch,
    }
    if kind not in runners:
        raise BadRequest(f"POST /fhir takes a transaction or batch Bundle, not {kind!r}.")
    if not isinstance(bundle.get("entry", []), list):
        raise BadRequest("Bundle.entry must be a list.")
    entries = _entries(bundle, ctx.base_url)
    results = runners[str(kind)](store, entries, ctx)
    return {"resourceType": "Bundle", "type": f"{kind}-response", "entry": results}
