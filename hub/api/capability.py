"""The CapabilityStatement, generated from what the hub really implements.

Search parameters come from the registry the indexer and the query builder use; the
interactions and operations listed here are the routes in ``hub/api/routes``. A test
checks every advertised parameter and operation against the running API.
"""

from __future__ import annotations

from typing import Any

from hub.search.compartment import PATIENT_COMPARTMENT
from hub.search.parameters import SEARCH_PARAMETERS, parameters_for
from hub.search.request import MODIFIERS

__all__ = ["INTERACTIONS", "READ_ONLY_TYPES", "capability_statement", "supported_types"]

#: Interactions implemented for every supported resource type.
INTERACTIONS = (
    "read",
    "vread",
    "update",
    "patch",
    "delete",
    "history-instance",
    "history-type",
    "create",
    "search-type",
)

#: What the R4B elements cannot say about our writes (R4B has no conditionalPatch).
_WRITE_NOTES = (
    "patch takes a JSON Patch (application/json-patch+json) and honours If-Match; "
    "PATCH and DELETE also take search parameters (conditional patch and delete of "
    "exactly one match: 412 when several match)."
)

_VALIDATE = {
    "name": "validate",
    "definition": "http://hl7.org/fhir/OperationDefinition/Resource-validate",
}
_TYPE_OPERATIONS: dict[str, list[dict[str, str]]] = {
    "Patient": [
        {
            "name": "everything",
            "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
        },
        {
            "name": "export",
            "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
        },
    ],
    "Group": [
        {
            "name": "export",
            "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export",
        }
    ],
}
_SYSTEM_OPERATIONS = [
    {"name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}
]


def supported_types() -> list[str]:
    """Every resource type the hub stores and serves."""
    return sorted(SEARCH_PARAMETERS)


def _references(resource_type: str) -> list[str]:
    return [p.code for p in parameters_for(resource_type).values() if p.type == "reference"]


def _revincludes(resource_type: str) -> list[str]:
    return [
        f"{source}:{code}"
        for source in supported_types()
        for code in _references(source)
        if not parameters_for(source)[code].targets
        or resource_type in parameters_for(source)[code].targets
    ]


def _search_param(name: str, type_: str) -> dict[str, str]:
    # R4B has no element for modifiers: the documentation names the ones the parser takes.
    accepted = sorted(MODIFIERS.get(type_, frozenset()))
    if type_ == "reference":
        accepted.insert(0, "[type]")
    param = {"name": name, "type": type_}
    if accepted:
        param["documentation"] = "Modifiers: " + ", ".join(f":{m}" for m in accepted) + "."
    return param


def _resource_entry(resource_type: str) -> dict[str, Any]:
    params = [
        {"name": "_id", "type": "token"},
        {"name": "_lastUpdated", "type": "date"},
    ]
    params += [_search_param(p.code, p.type) for p in parameters_for(resource_type).values()]
    entry: dict[str, Any] = {
        "type": resource_type,
        "interaction": [{"code": code} for code in INTERACTIONS],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": True,
        "conditionalRead": "full-support",  # If-None-Match and If-Modified-Since
        "conditionalUpdate": True,
        "conditionalDelete": "single",
        "searchInclude": ["*", *(f"{resource_type}:{code}" for code in _references(resource_type))],
        "searchRevInclude": ["*", *_revincludes(resource_type)],
        "searchParam": params,
        "operation": [*_TYPE_OPERATIONS.get(resource_type, []), _VALIDATE],
    }
    notes = [_WRITE_NOTES]
    if resource_type in PATIENT_COMPARTMENT:
        notes.insert(0, "In the Patient compartment.")
    entry["documentation"] = " ".join(notes)
    return entry


#: Types served read-only by their own routes (audit trail, quality runs), not the store's.
_READ_ONLY: dict[str, tuple[list[dict[str, str]], str]] = {
    "AuditEvent": (
        [
            {"name": "patient", "type": "reference"},
            {"name": "agent", "type": "string"},
            {"name": "action", "type": "token"},
        ],
        "The audit trail: append-only, written by the hub itself, readable by auditors.",
    ),
    "OperationOutcome": (
        [{"name": "_id", "type": "token"}],
        "One per data-quality run (id = run id), newest first.",
    ),
}


#: The types the CapabilityStatement declares read and search only.
READ_ONLY_TYPES = frozenset(_READ_ONLY)


def _read_only_entry(resource_type: str) -> dict[str, Any]:
    params, documentation = _READ_ONLY[resource_type]
    return {
        "type": resource_type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": params,
        "documentation": documentation,
    }


def _entries() -> list[dict[str, Any]]:
    types = sorted({*supported_types(), *_READ_ONLY})
    return [_read_only_entry(t) if t in _READ_ONLY else _resource_entry(t) for t in types]


def capability_statement(*, base_url: str, software_version: str, date: str) -> dict[str, Any]:
    """The hub's CapabilityStatement (FHIR R4B, JSON)."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "carehub",
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
        "software": {"name": "carehub", "version": software_version},
        "implementation": {
            "description": "Continuity-of-care hub for community mental-health care",
            "url": base_url,
        },
        "fhirVersion": "4.3.0",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "resource": _entries(),
                "interaction": [
                    {"code": "transaction"},
                    {"code": "batch"},
                    {"code": "history-system"},
                ],
                "operation": _SYSTEM_OPERATIONS,
            }
        ],
    }
