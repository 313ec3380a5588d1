"""FHIR PATCH: JSON Patch on one resource, by id or by a search that matches one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from hub.api.auth import PrincipalDep
from hub.api.deps import SettingsDep, StoreDep, require_permission
from hub.api.errors import BadRequest, NotFound
from hub.api.fhir_input import parse_etag, require_type
from hub.api.negotiation import negotiate
from hub.api.openapi_docs import SEARCH_QUERY, IdPath, TypePath
from hub.api.patch import JSON_PATCH, parse_json_patch
from hub.api.responses import written_response
from hub.api.routes.search import query_context
from hub.api.writes import conditional_match, patch_resource
from hub.store import StoredResource

__all__ = ["router"]

router = APIRouter(prefix="/fhir", dependencies=[Depends(negotiate)], tags=["patch"])

#: OpenAPI: the body is a JSON Patch document (an array of operations).
PATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON_PATCH: {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["op", "path"],
                        "properties": {
                            "op": {
                                "type": "string",
                                "enum": ["add", "remove", "replace", "move", "copy", "test"],
                            },
                            "path": {"type": "string"},
                            "from": {"type": "string"},
                            "value": {},
                        },
                    },
                }
            }
        },
    }
}

IfMatch = Annotated[str | None, Header()]
Prefer = Annotated[str | None, Header()]


@router.patch("/{resource_type}/{resource_id}", openapi_extra=PATCH_BODY)
async def patch(
    resource_type: TypePath,
    resource_id: IdPath,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    """Apply a JSON Patch; If-Match pins the version the patch was written against."""
    resource_type = require_type(resource_type)
    operations = parse_json_patch(await request.body(), request.headers.get("content-type"))
    expected = parse_etag(if_match)

    def write() -> StoredResource:
        with store.begin() as session:
            return patch_resource(
                session, resource_type, resource_id, operations, if_match=expected
            )

    stored = await run_in_threadpool(write)
    return written_response(stored, 200, prefer, settings.fhir_base_url)


@router.patch("/{resource_type}", openapi_extra={**PATCH_BODY, "parameters": SEARCH_QUERY})
async def conditional_patch(
    resource_type: TypePath,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
    prefer: Prefer = None,
) -> Response:
    """Patch the one resource the search matches: 404 if none does, 412 if several do."""
    resource_type = require_type(resource_type)
    require_permission(principal, resource_type, "u")
    condition = str(request.url.query)
    if not condition:
        raise BadRequest("A conditional patch needs search parameters: PATCH Type?param=value.")
    operations = parse_json_patch(await request.body(), request.headers.get("content-type"))
    expected, ctx = parse_etag(if_match), query_context(settings)

    def write() -> StoredResource:
        with store.begin() as session:
            found = conditional_match(session, resource_type, condition, ctx)
            if found is None:
                raise NotFound(f"No {resource_type} matches {condition!r}.")
            return patch_resource(session, resource_type, found, operations, if_match=expected)

    stored = await run_in_threadpool(write)
    return written_response(stored, 200, prefer, settings.fhir_base_url)
