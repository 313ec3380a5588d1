"""OpenAPI descriptions of the FHIR routes: what path, query and body each one takes.

FHIR routes read their query strings and bodies themselves (search parameters differ per
type), so these fragments tell OpenAPI clients (and Schemathesis) what they accept.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from hub.api.capability import supported_types

__all__ = ["RESOURCE_BODY", "SEARCH_QUERY", "TYPE_PATH", "IdPath", "TypePath", "query_param"]


def query_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """One optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


#: The ``resource_type`` path parameter: one of the types the hub serves.
TYPE_PATH: dict[str, Any] = {"enum": supported_types()}

#: A path segment holding a resource type the hub serves.
TypePath = Annotated[str, Path(json_schema_extra=TYPE_PATH)]
#: A path segment holding a FHIR id (anything else is refused with 400 before any query).
IdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9\-.]{1,64}$")]

_STRING = {"type": "string"}
SEARCH_QUERY: list[dict[str, Any]] = [
    query_param("_id", _STRING, "Logical ids, comma separated."),
    query_param("_lastUpdated", _STRING, "Date with prefix (eq, ne, lt, gt, le, ge, sa, eb, ap)."),
    query_param("_count", {"type": "integer", "minimum": 0, "maximum": 1000}, "Page size."),
    query_param("_offset", {"type": "integer", "minimum": 0}, "Where the page starts."),
    query_param("_sort", _STRING, "Sort parameters, comma separated; '-' for descending."),
    query_param(
        "_summary",
        {"type": "string", "enum": ["count", "true", "false", "data", "text"]},
        "Summary form.",
    ),
    query_param("_total", {"type": "string", "enum": ["none", "estimate", "accurate"]}, "Total."),
    query_param("_elements", _STRING, "Top-level elements to return, comma separated."),
    query_param("_include", _STRING, "Type:parameter[:TargetType] to include."),
    query_param("_revinclude", _STRING, "Type:parameter[:TargetType] to include in reverse."),
    query_param("identifier", _STRING, "Token system|code (types that have it)."),
    query_param("patient", _STRING, "Reference Patient/id (types that have it)."),
]

#: A FHIR resource as a JSON body.
RESOURCE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/fhir+json": {
                "schema": {
                    "type": "object",
                    "required": ["resourceType"],
                    "properties": {"resourceType": {"type": "string"}, "id": {"type": "string"}},
                }
            }
        },
    }
}
