"""FHIR search: GET /fhir/{type}?… and POST /fhir/{type}/_search."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from hub.api.bundles import bundle_bytes, entry_bytes, page_links, shape_resource
from hub.api.deps import SettingsDep, StoreDep
from hub.api.errors import operation_outcome
from hub.api.fhir_input import require_type
from hub.api.negotiation import negotiate
from hub.api.openapi_docs import SEARCH_QUERY, TypePath
from hub.api.responses import FhirResponse, fhir_json
from hub.config import Settings
from hub.search.request import SearchRequest, parse_search
from hub.search.service import SearchResult, run_search
from hub.search.sql import QueryContext
from hub.store import FhirStore
from hub.store.documents import utc_now

__all__ = ["query_context", "router", "search_bundle", "strict_handling"]

router = APIRouter(prefix="/fhir", dependencies=[Depends(negotiate)], tags=["search"])


def strict_handling(prefer: str | None) -> bool:
    """True when ``Prefer: handling=strict`` asks unknown parameters to be refused."""
    return prefer is not None and "handling=strict" in prefer.replace(" ", "")


def query_context(settings: Settings) -> QueryContext:
    """Base URL and clock for one request's queries."""
    return QueryContext(base_url=settings.fhir_base_url, now=utc_now())


def _entries(base: str, request: SearchRequest, result: SearchResult) -> list[bytes]:
    entries = []
    for mode, hits in (("match", result.matches), ("include", result.included)):
        for hit in hits:
            shaped = shape_resource(hit.content, request.summary, request.elements)
            entries.append(entry_bytes(base, hit, mode, shaped))
    if request.ignored:
        outcome = operation_outcome(
            "Ignored unknown search parameters: " + ", ".join(request.ignored) + ".",
            severity="warning",
            code="not-supported",
        )
        entries.append(
            b'{"resource":' + bundle_bytes(outcome, []) + b',"search":{"mode":"outcome"}}'
        )
    return entries


def search_bundle(store: FhirStore, settings: Settings, request: SearchRequest) -> bytes:
    """Run a checked search and return the searchset Bundle as bytes."""
    with store.reading() as session:
        result = run_search(session.conn, request, query_context(settings))
    base = settings.fhir_base_url
    header: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if result.total is not None:
        header["total"] = result.total
    header["link"] = page_links(
        f"{base}/{request.resource_type}",
        request.kept,
        count=request.count,
        offset=request.cursor.position if request.cursor else request.offset,
        page_size=len(result.matches),
        total=result.total,
        next_cursor=result.next_cursor,
    )
    return bundle_bytes(header, _entries(base, request, result))


@router.get("/{resource_type}", openapi_extra={"parameters": SEARCH_QUERY})
def search_type(
    resource_type: TypePath,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    prefer: Annotated[str | None, Header()] = None,
) -> FhirResponse:
    """Search one resource type with the query string's parameters."""
    parsed = parse_search(
        require_type(resource_type),
        list(request.query_params.multi_items()),
        strict=strict_handling(prefer),
    )
    return fhir_json(search_bundle(store, settings, parsed))


@router.post(
    "/{resource_type}/_search",
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            },
        }
    },
)
async def search_post(
    resource_type: TypePath,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    prefer: Annotated[str | None, Header()] = None,
) -> FhirResponse:
    """Search with the parameters in a form body (and the query string)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    pairs = list(request.query_params.multi_items()) + parse_qsl(body, keep_blank_values=True)
    parsed = parse_search(require_type(resource_type), pairs, strict=strict_handling(prefer))
    return fhir_json(await run_in_threadpool(search_bundle, store, settings, parsed))
