"""Parsing what FHIR clients send: bodies, ETags, conditional headers."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import orjson
from pydantic import ValidationError

from hub.api.capability import supported_types
from hub.api.errors import BadRequest, NotFound

__all__ = [
    "check_structure",
    "parse_body",
    "parse_etag",
    "parse_http_date",
    "require_type",
]


@cache
def _served() -> frozenset[str]:
    return frozenset(supported_types())


def require_type(resource_type: str) -> str:
    """The type if the hub serves it; 404 otherwise."""
    if resource_type not in _served():
        raise NotFound(f"Resource type {resource_type!r} is not supported by this server.")
    return resource_type


def parse_body(body: bytes, *, expected_type: str) -> dict[str, Any]:
    """A JSON resource of the expected type, or a 400 saying what is wrong."""
    if b"\\u0000" in body:
        # FHIR strings hold no NUL, and PostgreSQL's JSONB cannot store one.
        raise BadRequest("The request body contains a NUL character.", issue_code="structure")
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            f"The request body is not valid JSON ({exc.msg}).", issue_code="structure"
        ) from None
    if not isinstance(document, dict):
        raise BadRequest("The request body must be a JSON object.", issue_code="structure")
    actual = document.get("resourceType")
    if actual != expected_type:
        raise BadRequest(
            f"The body's resourceType is {actual!r}, but the URL names {expected_type!r}.",
            issue_code="structure",
        )
    return document


def check_structure(document: dict[str, Any]) -> None:
    """Parse with the R4B model; 400 naming the first element that is wrong."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(str(document["resourceType"]))
    try:
        model.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or document["resourceType"]
        raise BadRequest(
            f"{document['resourceType']}.{where}: {first['msg']}", issue_code="structure"
        ) from None
    except (ValueError, TypeError) as exc:
        raise BadRequest(f"{document['resourceType']}: {exc}", issue_code="structure") from None


def parse_etag(value: str | None) -> int | None:
    """The version in an ETag header (``W/"3"`` or ``"3"``); 400 if it is not one."""
    if value is None:
        return None
    text = value.strip()
    text = text[2:] if text.startswith("W/") else text
    text = text.strip('"')
    if not text.isdigit():
        raise BadRequest(f'{value!r} is not a version ETag such as W/"3".')
    return int(text)


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date header as naive UTC, or None if absent or unreadable (then ignored)."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
