"""StructureDefinitions of the extensions the hub and its mappings write: built from one table.

A FHIR validator that meets ``https://carehub.org/fhir/StructureDefinition/<name>`` in a
resource looks for its definition; the hub serves each one (``GET
/fhir/StructureDefinition/<name>``), loaded with the other canonical resources
(``hub.canonical``). Each definition is a simple extension: the contexts it may appear in,
one value type, no nested extensions (a differential on the base Extension, as the FHIR
specification's own simple extensions are). ``tests/unit/test_extensions.py`` holds every
extension found in the mappings' output and the hub's own resources to this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.domain.codes import extension_url

__all__ = ["EXTENSIONS", "EXTENSION_VERSION", "Extension", "extension_definitions"]

#: Raised when an extension changes meaning (its context or value type).
EXTENSION_VERSION = "1.0.0"
_FHIR_VERSION = "4.3.0"
_BASE = "http://hl7.org/fhir/StructureDefinition/Extension"


@dataclass(frozen=True)
class Extension:
    """One simple extension: where it may appear, its value type, what it says."""

    name: str
    title: str
    contexts: tuple[str, ...]  # element ids, e.g. "Patient", "List.entry", "Meta"
    value: str  # the one FHIR type of value[x], e.g. "Coding"
    description: str


EXTENSIONS: tuple[Extension, ...] = (
    Extension(
        "source-time",
        "Source time",
        ("Meta",),
        "instant",
        "When the source system recorded the facts a resource holds (an ADT message's event "
        "time, an HIS view row's update). A version whose source time is older than the "
        "stored version's never replaces it.",
    ),
    Extension(
        "sub-district",
        "Sub-district",
        ("Patient", "Task"),
        "code",
        "The street or township (GB/T 2260 below the district) the person lives in, or a gap "
        "Task's person lives in: what district statistics and worklists group by.",
    ),
    Extension(
        "neighbourhood",
        "Neighbourhood",
        ("Patient",),
        "string",
        "The neighbourhood or village committee the person is registered with.",
    ),
    Extension(
        "economic-status",
        "Economic status",
        ("Patient",),
        "Coding",
        "The household's economic status as the community station records it (national code).",
    ),
    Extension(
        "ethnicity",
        "Ethnicity",
        ("Patient",),
        "Coding",
        "The person's ethnic group as the hospital records it.",
    ),
    Extension(
        "management-status",
        "Management status",
        ("EpisodeOfCare",),
        "Coding",
        "The community management status of a registered patient (national code), finer "
        "than EpisodeOfCare.status.",
    ),
    Extension(
        "loss-to-follow-up-reason",
        "Reason lost to follow-up",
        ("EpisodeOfCare",),
        "Coding",
        "Why the station lost the patient to follow-up (national code).",
    ),
    Extension(
        "referral-source",
        "Referral source",
        ("EpisodeOfCare",),
        "Coding",
        "Who referred the client to social-work case management.",
    ),
    Extension(
        "person-seen",
        "Person seen",
        ("Encounter",),
        "Coding",
        "Whom a follow-up visit reached (national code).",
    ),
    Extension(
        "diagnosis-role",
        "Diagnosis role",
        ("Condition",),
        "Coding",
        "The diagnosis's type in the HIS record (for example an admission or a discharge "
        "diagnosis).",
    ),
    Extension(
        "maslow-level",
        "Need level",
        ("Condition",),
        "Coding",
        "The level of Maslow's hierarchy that an assessed need of a case belongs to.",
    ),
    Extension(
        "need-priority",
        "Need priority",
        ("Condition",),
        "code",
        "The priority the social worker gives an assessed need.",
    ),
    Extension(
        "long-acting-injection",
        "Long-acting injection",
        ("MedicationRequest",),
        "boolean",
        "The order is for a long-acting injectable antipsychotic.",
    ),
    Extension(
        "timeline-event-source",
        "Timeline event source",
        ("List.entry",),
        "Identifier",
        "Which source system recorded a timeline event.",
    ),
    Extension(
        "timeline-event-summary",
        "Timeline event summary",
        ("List.entry",),
        "string",
        "One line saying what a timeline event was, in the reader's language.",
    ),
)


def _element(path: str, **values: Any) -> dict[str, Any]:
    return {"id": path, "path": path, **values}


def _definition(extension: Extension) -> dict[str, Any]:
    url = extension_url(extension.name)
    return {
        "resourceType": "StructureDefinition",
        "id": extension.name,
        "url": url,
        "version": EXTENSION_VERSION,
        "name": "".join(part.capitalize() for part in extension.name.split("-")),
        "title": extension.title,
        "status": "active",
        "experimental": False,
        "publisher": "carehub",
        "description": extension.description,
        "fhirVersion": _FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": where} for where in extension.contexts],
        "type": "Extension",
        "baseDefinition": _BASE,
        "derivation": "constraint",
        "differential": {
            "element": [
                _element("Extension", short=extension.title, definition=extension.description),
                _element("Extension.extension", max="0"),
                _element("Extension.url", fixedUri=url),
                _element("Extension.value[x]", min=1, type=[{"code": extension.value}]),
            ]
        },
    }


def extension_definitions() -> list[dict[str, Any]]:
    """Every extension's StructureDefinition."""
    return [_definition(extension) for extension in EXTENSIONS]
