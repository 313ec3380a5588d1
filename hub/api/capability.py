"""The CapabilityStatement, generated from what the hub really implements."""

from __future__ import annotations

from typing import Any

from hub.search.parameters import SEARCH_PARAMETERS, parameters_for

__all__ = ["INTERACTIONS", "capability_statement", "supported_types"]

#: Interactions implemented for every supported resource type.
INTERACTIONS = ("read", "vread", "update", "delete", "history-instance", "history-type", "create")

#: Types served read-only (canonical definitions and generated results).
_READ_ONLY: frozenset[str] = frozenset()


def supported_types() -> list[str]:
    """Every resource type the hub stores and serves."""
    return sorted(SEARCH_PARAMETERS)


def _resource_entry(resource_type: str) -> dict[str, Any]:
    params = [
        {"name": "_id", "type": "token"},
        {"name": "_lastUpdated", "type": "date"},
    ]
    params += [{"name": p.code, "type": p.type} for p in parameters_for(resource_type).values()]
    interactions = INTERACTIONS if resource_type not in _READ_ONLY else ("read", "vread")
    return {
        "type": resource_type,
        "interaction": [{"code": code} for code in interactions],
        "versioning": "versioned-update",
        "readHistory": True,
        "updateCreate": True,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "searchParam": params,
    }


def capability_statement(*, base_url: str, software_version: str, date: str) -> dict[str, Any]:
    """The hub's CapabilityStatement (FHIR R4B, JSON)."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "carehub",
        "kind": "instance",
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
                "resource": [_resource_entry(t) for t in supported_types()],
                "interaction": [{"code": "history-system"}],
            }
        ],
    }
