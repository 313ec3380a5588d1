"""FHIR R4 rules fhir.resources does not enforce, checked cheaply on mapped resource JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

_REFERENCE = re.compile(
    r"^[A-Z][A-Za-z]+/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
# R4 Observation.value[x] and component.value[x] choices.
_OBSERVATION_VALUES = {
    "valueQuantity",
    "valueCodeableConcept",
    "valueString",
    "valueBoolean",
    "valueInteger",
    "valueRange",
    "valueRatio",
    "valueSampledData",
    "valueTime",
    "valueDateTime",
    "valuePeriod",
}
_CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) pair below value."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk(child, f"{path}[{index}]")


def references(resource: dict[str, Any]) -> list[str]:
    """Every literal reference in a resource."""
    return [v for p, v in walk(resource) if p.endswith(".reference") and isinstance(v, str)]


def problems(resource: dict[str, Any]) -> list[str]:
    """What is wrong with one resource's JSON; empty when it is fine."""
    found: list[str] = []
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except Exception as error:
        found.append(f"does not parse: {error}")
    for path, value in walk(resource):
        if value in (None, "", [], {}):
            found.append(f"empty element at {path}")
        if path.endswith(".coding") or path.endswith("Coding"):
            codings = value if isinstance(value, list) else [value]
            for coding in codings:
                if not (isinstance(coding, dict) and coding.get("system") and coding.get("code")):
                    found.append(f"coding without system and code at {path}")
        if path.endswith(".reference") and isinstance(value, str) and not _REFERENCE.match(value):
            found.append(f"malformed reference {value} at {path}")
    if resource["resourceType"] == "Observation":
        found += _observation_problems(resource)
    labels = resource.get("meta", {}).get("security", [])
    if not any(label.get("system") == _CONFIDENTIALITY for label in labels):
        found.append("no confidentiality label")
    if "text" in resource:
        found.append("narrative present (identifiers could leak through it)")
    return found


def _observation_problems(resource: dict[str, Any]) -> list[str]:
    found = []
    parts = [resource, *resource.get("component", [])]
    for part in parts:
        values = [k for k in part if k.startswith("value")]
        if len(values) > 1 or any(v not in _OBSERVATION_VALUES for v in values):
            found.append(f"bad Observation value[x] {values}")
    if not any(k.startswith("value") for k in resource) and not resource.get("component"):
        found.append("Observation with neither value nor component")
    return found
