"""FHIR responses: orjson bytes, ``application/fhir+json``, ETag and Last-Modified."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime
from typing import Any

import orjson
from fastapi import Response

from hub.store import StoredResource

__all__ = ["FHIR_JSON", "FhirResponse", "fhir_json", "stored_resource_response", "version_headers"]

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
