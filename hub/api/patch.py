"""FHIR PATCH with a JSON Patch document (RFC 6902, applied by the jsonpatch library).

Pure: the current resource and the patch body in, the patched resource out. The route
writes it as an update of the version it read, so a concurrent write between the read and
the write is a 412 instead of a lost update (and ``If-Match`` pins the version the client
saw). A patch may not change the resource's type or id.
"""

from __future__ import annotations

from typing import Any

import jsonpatch  # type: ignore[import-untyped]
import orjson
from jsonpointer import JsonPointerException  # type: ignore[import-untyped]

from hub.api.errors import BadRequest, Unprocessable, UnsupportedMedia

__all__ = ["JSON_PATCH", "apply_json_patch", "parse_json_patch"]

#: The media type of a JSON Patch document.
JSON_PATCH = "application/json-patch+json"


def parse_json_patch(body: bytes, content_type: str | None) -> list[dict[str, Any]]:
    """The operations of a JSON Patch body; 415 for another media type, 400 if malformed."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != JSON_PATCH:
        raise UnsupportedMedia(
            f"PATCH takes a JSON Patch document (Content-Type: {JSON_PATCH}), not {media!r}."
        )
    try:
        operations = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The JSON Patch is not valid JSON ({exc.msg}).") from None
    if not isinstance(operations, list) or not all(isinstance(op, dict) for op in operations):
        raise BadRequest("A JSON Patch is a JSON array of operation objects.")
    if b"\\u0000" in body:
        raise BadRequest("The JSON Patch contains a NUL character.")
    return operations


def apply_json_patch(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """The document with the operations applied (the input is not changed).

    A malformed operation is the client's syntax error (400); a ``test`` that fails or a
    path that is not there is a patch that cannot apply to this version (422).
    """
    try:
        patch = jsonpatch.JsonPatch(operations)
        patched = patch.apply(document, in_place=False)
    except jsonpatch.InvalidJsonPatch as exc:
        raise BadRequest(f"The JSON Patch is malformed: {exc}.") from None
    except (jsonpatch.JsonPatchException, JsonPointerException) as exc:
        raise Unprocessable(f"The JSON Patch cannot be applied: {exc}.") from None
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        raise BadRequest(f"The JSON Patch is malformed: {exc}.") from None
    if not isinstance(patched, dict):
        raise Unprocessable("The JSON Patch replaced the resource with something else.")
    for key in ("resourceType", "id"):
        if patched.get(key) != document.get(key):
            raise Unprocessable(f"A patch cannot change the resource's {key}.")
    return patched
