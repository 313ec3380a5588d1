"""FHIR responses: orjson bytes, ``application/fhir+json``, ETag and Last-Modified."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime
from typing import Any

import orjson
from fastapi import Response

from hub.store import StoredResource

__all__ = [
    "FHIR_JSON",
    "FhirResponse",
    "fhir_json",
    "stored_resource_response",
    "version_headers",
    "written_response",
]

FHIR_JSON = "application/fhir+json"


class FhirResponse(Response):
    """A FHIR JSON response serialised with orjson."""

    media_type = FHIR_JSON

    def render(self, content: Any) -> bytes:
        """Bytes pass through untouched (stored JSON is served without re-parsing)."""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode()
        return orjson.dumps(content)


def fhir_json(
    content: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> FhirResponse:
    """A FHIR JSON response."""
    return FhirResponse(content=content, status_code=status_code, headers=headers)


def version_headers(stored: StoredResource) -> dict[str, str]:
    """ETag and Last-Modified of one stored version."""
    return {
        "ETag": f'W/"{stored.version_id}"',
        "Last-Modified": format_datetime(stored.last_updated.replace(tzinfo=UTC), usegmt=True),
    }


def stored_resource_response(
    stored: StoredResource, status_code: int = 200, location: str | None = None
) -> FhirResponse:
    """The stored JSON as the body, with version headers (and Location after a write)."""
    headers = version_headers(stored)
    if location:
        headers["Location"] = location
    return fhir_json((stored.content or "").encode(), status_code, headers)


def written_response(
    stored: StoredResource, status: int, prefer: str | None, base: str
) -> Response:
    """The answer to a write: the resource (or nothing for ``Prefer: return=minimal``)."""
    location = f"{base}/{stored.resource_type}/{stored.resource_id}/_history/{stored.version_id}"
    if prefer and "return=minimal" in prefer:
        headers = version_headers(stored) | {"Location": location}
        return Response(status_code=status, headers=headers)
    return stored_resource_response(stored, status, location)
