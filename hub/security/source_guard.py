"""A connector account writes only what its own source produced.

A connector's token carries its source system (``source``: hospital, station, agency).
Every resource it writes must say it comes from that source: its ``meta.source`` names
the source, or it is a Provenance whose source-system agent is that source, or a
Provenance of that source in the same transaction targets it. Anything else is refused
before the write. Pure: the request body in, the refusals out.
"""

from __future__ import annotations

from typing import Any

from hub.domain.codes import identifier_system

__all__ = ["foreign_writes"]

_SOURCE_SYSTEM = identifier_system("source-system")


def _names_source(uri: object, source: str) -> bool:
    """``meta.source`` is the source's name or a URI ending in it (``.../station``)."""
    if not isinstance(uri, str):
        return False
    return uri == source or uri.endswith((f"/{source}", f"#{source}"))


def _provenance_sources(provenance: dict[str, Any]) -> set[str]:
    """The source systems a Provenance names as its agents."""
    found = set()
    for agent in provenance.get("agent") or []:
        identifier = ((agent or {}).get("who") or {}).get("identifier") or {}
        if identifier.get("system") == _SOURCE_SYSTEM and isinstance(identifier.get("value"), str):
            found.add(identifier["value"])
    return found


def _label(resource: dict[str, Any]) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id', '(new)')}"


def _written(body: object) -> list[dict[str, Any]]:
    """The resources a write body writes: the body itself, or a Bundle's entry resources."""
    if not isinstance(body, dict):
        return []
    if body.get("resourceType") != "Bundle":
        return [body]
    return [
        entry["resource"]
        for entry in body.get("entry") or []
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
    ]


def foreign_writes(source: str, body: object) -> list[str]:
    """The resources in a write body that do not show they come from ``source``."""
    resources = _written(body)
    vouched: set[str] = set()
    refused: list[str] = []
    for resource in resources:
        if resource.get("resourceType") == "Provenance":
            if _provenance_sources(resource) != {source}:
                refused.append(_label(resource))
                continue
            for target in resource.get("target") or []:
                if isinstance(target, dict) and isinstance(target.get("reference"), str):
                    vouched.add(target["reference"])
    for resource in resources:
        if resource.get("resourceType") == "Provenance":
            continue
        meta_source = (resource.get("meta") or {}).get("source")
        if meta_source is not None:
            if not _names_source(meta_source, source):
                refused.append(_label(resource))
        elif _label(resource) not in vouched:
            refused.append(_label(resource))
    return refused
