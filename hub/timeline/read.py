"""Small pure readers of FHIR dicts shared by the timeline and the continuity rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from hub.domain.codes import code_system_url, identifier_system

__all__ = [
    "SOURCE_SYSTEMS",
    "Resource",
    "code_of",
    "day",
    "display_of",
    "local_id",
    "ref_of",
    "reference_of",
    "source_systems",
]

Resource = dict[str, Any]

#: The three source systems a person's story comes from.
SOURCE_SYSTEMS: tuple[str, ...] = ("hospital", "station", "agency")


def ref_of(resource: Mapping[str, Any]) -> str:
    """``Type/id`` of a resource."""
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def reference_of(value: Any) -> str | None:
    """The ``Type/id`` inside a Reference, or None for logical or absent references."""
    if isinstance(value, Mapping):
        text = value.get("reference")
        if isinstance(text, str) and "/" in text:
            return "/".join(text.split("/")[-2:])
    return None


def local_id(reference: str | None) -> str | None:
    """The id part of ``Type/id``."""
    return reference.split("/", 1)[1] if reference and "/" in reference else None


def _codings(concept: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(concept, Mapping):
        yield from (c for c in concept.get("coding") or [] if isinstance(c, Mapping))


def code_of(concept: Any, system_name: str) -> str | None:
    """The code of the first coding from our CodeSystem ``system_name`` (or a full URL)."""
    system = system_name if "://" in system_name else code_system_url(system_name)
    for coding in _codings(concept):
        if coding.get("system") == system and coding.get("code") is not None:
            return str(coding["code"])
    return None


def display_of(concept: Any) -> str:
    """Text or the first display of a CodeableConcept ('' when it has neither)."""
    if isinstance(concept, Mapping):
        if concept.get("text"):
            return str(concept["text"])
        for coding in _codings(concept):
            if coding.get("display"):
                return str(coding["display"])
            if coding.get("code"):
                return str(coding["code"])
    return ""


def day(value: Any) -> date | None:
    """The calendar day of a FHIR date or dateTime as written (sources record local time)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _source_from_patient(patient: Mapping[str, Any]) -> str | None:
    systems = {i.get("system") for i in patient.get("identifier") or []}
    for source in SOURCE_SYSTEMS:
        if identifier_system(f"{source}-patient") in systems:
            return source
    return None


def _provenance_source(provenance: Mapping[str, Any]) -> str | None:
    wanted = identifier_system("source-system")
    for agent in provenance.get("agent") or []:
        ident = (agent.get("who") or {}).get("identifier") or {}
        if ident.get("system") == wanted and ident.get("value"):
            return str(ident["value"])
    return None


def _subject(resource: Mapping[str, Any]) -> str | None:
    for key in ("subject", "patient", "for"):
        found = reference_of(resource.get(key))
        if found and found.startswith("Patient/"):
            return found
    return None


def source_systems(resources: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """``Type/id`` -> source system: from Provenance, else from the source Patient referenced.

    Mappings record the source only in Provenance (agent ``who`` with the source-system
    identifier); meta.source is not set. Resources without Provenance in hand fall back to
    the identifier system of the source Patient they point at (``{source}-patient``).
    """
    items = list(resources)
    found: dict[str, str] = {}
    patients: dict[str, str] = {}
    for r in items:
        if r.get("resourceType") == "Patient":
            source = _source_from_patient(r)
            if source:
                patients[ref_of(r)] = source
    for r in items:
        if r.get("resourceType") == "Provenance":
            source = _provenance_source(r)
            for target in r.get("target") or []:
                ref = reference_of(target)
                if source and ref:
                    found.setdefault(ref, source)
    for r in items:
        ref = ref_of(r)
        if ref not in found:
            subject = _subject(r)
            source = patients.get(ref) or (patients.get(subject) if subject else None)
            if source:
                found[ref] = source
    return found
