"""Small builders shared by every mapping module: references, codings, dates, labels."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hub.domain.codes import CANONICAL_BASE, extension_url
from hub.domain.identifiers import stable_id
from hub.domain.source_time import source_time_extension
from mappings._context import MappingContext
from mappings._structure import check_structure, full_parse
from mappings._terminology import Coding, own_code

__all__ = [
    "ACT_CODE",
    "STUB_TAG",
    "BuiltResource",
    "build",
    "concept",
    "day",
    "extension_url",
    "instant",
    "local_ref",
    "logical_ref",
    "observation_category",
    "ours",
    "prune",
    "questionnaire_url",
    "ref",
]

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
_RESTRICTED = {"system": _CONFIDENTIALITY, "code": "R", "display": "restricted"}
_PSYCHIATRIC = {
    "system": ACT_CODE,
    "code": "PSY",
    "display": "psychiatry disorder information sensitivity",
}
# Directory entries say nothing about a patient's psychiatric condition.
_DIRECTORY_TYPES = frozenset({"Organization", "Practitioner"})


def prune(value: Any) -> Any:
    """Drop None, empty strings, lists and dicts, recursively: FHIR forbids empty elements."""
    if isinstance(value, dict):
        return _prune_dict(value)
    if isinstance(value, list | tuple):
        return _prune_list(value)
    return value


# One pass per container, recursing only into containers: every resource of a sync goes
# through prune, so it is written for speed (same result as pruning each value, then
# dropping the empty ones).
def _prune_dict(value: dict[Any, Any]) -> dict[Any, Any]:
    out = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _prune_dict(item)
        elif isinstance(item, list | tuple):
            item = _prune_list(item)
        elif item is None or item == "":
            continue
        if item or not isinstance(item, dict | list):
            out[key] = item
    return out


def _prune_list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    out = []
    for item in value:
        if isinstance(item, dict):
            item = _prune_dict(item)
        elif isinstance(item, list | tuple):
            item = _prune_list(item)
        elif item is None or item == "":
            continue
        if item or not isinstance(item, dict | list):
            out.append(item)
    return out


STUB_TAG = {
    "system": f"{CANONICAL_BASE}/CodeSystem/resource-tag",
    "code": "stub",
    "display": "Minimal resource emitted so that a reference resolves",
}


class BuiltResource:
    """A mapped resource: its validated JSON, and its R4B model when someone asks for it.

    Mappings read only ``id`` and ``get_resource_type()`` of what they built, and the ingest
    only the JSON, so the model is made on first use of any other attribute.
    """

    __slots__ = ("_model", "document", "id")

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.id: str = document["id"]
        self._model: Any = None

    def get_resource_type(self) -> str:
        """The FHIR resource type, as the models answer it."""
        return str(self.document["resourceType"])

    @property
    def model(self) -> Any:
        """The fhir.resources R4B model of the document (parsed once, on first use)."""
        if self._model is None:
            self._model = full_parse(self.document)
        return self._model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


def build(
    data: dict[str, Any], *, stub: bool = False, recorded: str | None = None
) -> BuiltResource:
    """A resource checked against its fhir.resources R4B model, labelled and pruned.

    ``stub`` tags a resource a record emits only so that its reference resolves (a doctor
    known by id alone); the store must not let it replace a fuller version. ``recorded``:
    the instant the source recorded the facts, for a resource that more than one record
    writes (``hub.domain.source_time``: an older one never replaces a newer one). Raises
    the model's ``ValidationError`` when the resource is not valid R4B.
    """
    labels = [_RESTRICTED]
    if data["resourceType"] not in _DIRECTORY_TYPES:
        labels.append(_PSYCHIATRIC)
    meta = {
        "extension": [source_time_extension(recorded)] if recorded else None,
        "security": labels,
        "tag": [STUB_TAG] if stub else None,
    }
    head = {"resourceType": data["resourceType"], "id": data["id"], "meta": meta}
    body = {k: v for k, v in data.items() if k not in head}
    document: dict[str, Any] = prune(head | body)
    check_structure(document)
    return BuiltResource(document)


def ref(ctx: MappingContext, resource_type: str, key: str, display: str | None = None) -> Any:
    """A literal reference to the resource this source system keys by ``key``."""
    out = {"reference": f"{resource_type}/{stable_id(ctx.source_system, resource_type, key)}"}
    if display:
        out["display"] = display
    return out


def local_ref(resource: dict[str, Any]) -> dict[str, str]:
    """A reference to a resource built in the same mapping."""
    return {"reference": f"{resource['resourceType']}/{resource['id']}"}


def logical_ref(system: str, value: str, display: str | None = None) -> dict[str, Any]:
    """A logical reference (identifier only) to something the hub does not hold."""
    out: dict[str, Any] = prune(
        {"identifier": {"system": system, "value": value}, "display": display}
    )
    return out


def instant(value: datetime, ctx: MappingContext) -> str:
    """FHIR dateTime with an offset; naive source times are local to the district."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ctx.timezone)
    text = value.isoformat()
    # Written the way fhir.resources serialises it, so documents and models agree.
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def day(value: date | None) -> str | None:
    """FHIR date."""
    return value.isoformat() if value else None


def concept(*codings: Coding | None, text: str | None = None) -> dict[str, Any]:
    """A CodeableConcept from codings (None skipped)."""
    out: dict[str, Any] = prune({"coding": [c for c in codings if c], "text": text})
    return out


def ours(code_system: str, code: str) -> Coding:
    """A coding the hub itself chooses in one of our CodeSystems; display from the CodeSystem."""
    return own_code(code_system, code)


_OBSERVATION_CATEGORY = {
    "survey": "Survey",
    "exam": "Exam",
    "social-history": "Social History",
    "therapy": "Therapy",
}


def observation_category(code: str) -> dict[str, Any]:
    """Observation.category from the base observation-category CodeSystem."""
    system = "http://terminology.hl7.org/CodeSystem/observation-category"
    return concept({"system": system, "code": code, "display": _OBSERVATION_CATEGORY[code]})


def questionnaire_url(name: str) -> str:
    """Canonical URL of one of our Questionnaires."""
    return f"{CANONICAL_BASE}/Questionnaire/{name}"
