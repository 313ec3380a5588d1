"""Pure helpers for resource documents: canonical bytes, content hash, meta stamping."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from hub.domain.source_time import is_source_time
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
    """SHA-256 of the resource's content, ignoring key order, the store's own meta fields
    and the source time (``hub.domain.source_time``: when, not what, so a record that says
    the same again later is unchanged)."""
    meta = resource.get("meta")
    if isinstance(meta, dict):
        trimmed = _content_meta(meta)
        if trimmed is not meta:
            resource = (
                {**resource, "meta": trimmed}
                if trimmed
                else {k: v for k, v in resource.items() if k != "meta"}
            )
    return hashlib.sha256(orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _content_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """``meta`` without what is not content (the same dict when it holds none of that)."""
    extensions = meta.get("extension")
    timed = isinstance(extensions, list) and any(map(is_source_time, extensions))
    if not timed and not any(k in meta for k in _VOLATILE_META):
        return meta
    trimmed = {k: v for k, v in meta.items() if k not in _VOLATILE_META}
    if timed:
        kept = [e for e in extensions or () if not is_source_time(e)]
        if kept:
            trimmed["extension"] = kept
        else:
            del trimmed["extension"]
    return trimmed


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
