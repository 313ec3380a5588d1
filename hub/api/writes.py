"""Writes shared by the REST routes and transaction/batch Bundles, inside one StoreSession.

Conditional create (If-None-Exist) and conditional update (PUT Type?search) resolve their
search to zero, one or several matches: none creates, one acts on the match, several is 412.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from hub.api.errors import BadRequest, PreconditionFailed, Unprocessable
from hub.api.fhir_input import check_structure
from hub.api.patch import apply_json_patch
from hub.search.request import parse_search
from hub.search.service import matching_ids
from hub.search.sql import QueryContext
from hub.store import StoredResource, StoreSession, VersionConflict

__all__ = [
    "Written",
    "conditional_match",
    "create_resource",
    "new_id",
    "patch_resource",
    "update_resource",
]


@dataclass(frozen=True)
class Written:
    """What a write did: the stored version and the HTTP status that reports it."""

    stored: StoredResource
    status: int


def new_id() -> str:
    """A server-assigned id."""
    return str(uuid.uuid4())


def conditional_match(
    session: StoreSession, resource_type: str, query: str, ctx: QueryContext
) -> str | None:
    """The id the condition matches, None if nothing matches, 412 if several do."""
    pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if not pairs:
        raise BadRequest(f"The condition {query!r} has no search parameters.")
    request = parse_search(resource_type, pairs, strict=True)
    found = matching_ids(session.conn, request, ctx)
    if len(found) > 1:
        raise PreconditionFailed(
            f"The condition {resource_type}?{query.lstrip('?')} matches more than one resource."
        )
    return found[0] if found else None


def create_resource(
    session: StoreSession,
    document: dict[str, Any],
    *,
    if_none_exist: str | None,
    ctx: QueryContext,
    resource_id: str | None = None,
) -> Written:
    """Create (201), or return the existing match of If-None-Exist (200)."""
    resource_type = str(document["resourceType"])
    if if_none_exist:
        existing = conditional_match(session, resource_type, if_none_exist, ctx)
        if existing is not None:
            return Written(session.read(resource_type, existing), 200)
    stored = session.update(
        {**document, "id": resource_id or new_id()}, if_match=None, must_be_new=True
    )
    return Written(stored, 201)


def update_resource(
    session: StoreSession,
    document: dict[str, Any],
    *,
    resource_id: str | None,
    condition: str | None,
    if_match: int | None,
    ctx: QueryContext,
) -> Written:
    """Update by id, or by a condition (PUT Type?search); 201 when it creates."""
    resource_type = str(document["resourceType"])
    if condition is not None:
        resource_id = conditional_match(session, resource_type, condition, ctx)
        body_id = document.get("id")
        if resource_id is not None and body_id is not None and body_id != resource_id:
            raise BadRequest(
                f"The body's id {body_id!r} is not the id {resource_id!r} the condition matches."
            )
        resource_id = resource_id or (str(body_id) if body_id else new_id())
    elif document.get("id") != resource_id:
        raise BadRequest(
            f"The body's id {document.get('id')!r} does not match the URL's id {resource_id!r}."
        )
    assert resource_id is not None
    current = session.current(resource_type, resource_id)
    stored = session.update({**document, "id": resource_id}, if_match=if_match)
    return Written(stored, 200 if current is not None and not current.deleted else 201)


def patch_resource(
    session: StoreSession,
    resource_type: str,
    resource_id: str,
    operations: list[dict[str, Any]],
    *,
    if_match: int | None,
) -> StoredResource:
    """Apply a JSON Patch to the current version and store the result as the next one."""
    current = session.read(resource_type, resource_id)
    if if_match is not None and if_match != current.version_id:
        raise VersionConflict(resource_type, resource_id, if_match, current.version_id)
    patched = apply_json_patch(current.as_dict(), operations)
    try:
        check_structure(patched)
    except BadRequest as exc:
        raise Unprocessable(f"The patched resource is not valid: {exc.message}") from None
    # Written only over the version read here: a write in between is a 412, not lost.
    return session.update(patched, if_match=current.version_id)
