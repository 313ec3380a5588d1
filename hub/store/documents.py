"""Pure helpers for resource documents: canonical bytes, content hash, meta stamping."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from hub.store.errors import InvalidResource

__all__ = [
    "content_hash",
    "dumps",
    "instant",
    "require_type_and_id",
    "stamp_meta",
    "utc_now",
]

_VOLATILE_META = ("versionId", "lastUpdated")


def utc_now() -> datetime:
    """The store's clock: naive UTC with microseconds (what the database columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)


def instant(moment: datetime) -> str:
    """A FHIR ``instant`` for a naive-UTC moment."""
    return moment.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def dumps(resource: Any) -> str:
    """Serialise a resource (or any JSON value) for storage (orjson, key order kept)."""
    return orjson.dumps(resource).decode()


def content_hash(resource: dict[str, Any]) -> str:
    """SHA-256 of the resource's content, ignoring the store's own meta fields and key order."""
    meta = resource.get("meta")
    if isinstance(meta, dict) and any(k in meta for k in _VOLATILE_META):
        trimmed = {k: v for k, v in meta.items() if k not in _VOLATILE_META}
        resource = (
            {**resource, "meta": trimmed}
            if trimmed
            else {k: v for k, v in resource.items() if k != "meta"}
        )
    return hashlib.sha256(orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)).hexdigest()


def stamp_meta(resource: dict[str, Any], version_id: int, moment: datetime) -> dict[str, Any]:
    """A copy of the resource with ``meta.versionId`` and ``meta.lastUpdated`` set by the store."""
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(version_id)
    meta["lastUpdated"] = instant(moment)
    return {**resource, "meta": meta}


def require_type_and_id(resource: Any) -> tuple[str, str | None]:
    """The resourceType and id of a document, or InvalidResource saying what is wrong."""
    if not isinstance(resource, dict):
        raise InvalidResource("A FHIR resource must be a JSON object.")
    resource_type = resource.get("resourceType")
    if not isinstance(resource_type, str) or not resource_type.isalpha():
        raise InvalidResource("The resource has no valid resourceType.")
    resource_id = resource.get("id")
    if resource_id is not None and (not isinstance(resource_id, str) or not _valid_id(resource_id)):
        raise InvalidResource(f"{resource_type}.id {resource_id!r} is not a valid FHIR id.")
    return resource_type, resource_id


_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR id: ASCII letters, digits, '-' and '.'


def _valid_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None
