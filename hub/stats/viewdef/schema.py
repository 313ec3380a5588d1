"""Element cardinality and types from the FHIR R4B models, so paths compile to one JSONPath."""

from __future__ import annotations

import re
from functools import cache

__all__ = ["element", "is_choice"]

_TYPE = re.compile(r"\babc\.(\w+)Type\b")
_PRIMITIVE = re.compile(r"Annotated\[[\w.]+, (\w+)\(")


@cache
def _elements(type_name: str) -> dict[str, tuple[bool, str | None]] | None:
    """JSON name -> (repeats, FHIR type name or None for primitives); None if type unknown."""
    from fhir.resources.R4B import get_fhir_model_class  # imported lazily: ~0.5 s

    try:
        model = get_fhir_model_class(type_name)
    except (KeyError, ValueError, AttributeError):
        return None
    elements: dict[str, tuple[bool, str | None]] = {}
    for name, field in model.model_fields.items():
        text = str(field.annotation)
        elements[field.alias or name] = ("List[" in text, _type_name(text))
    return elements


def _type_name(annotation: str) -> str | None:
    """The FHIR type in a model annotation: `abc.PeriodType` -> Period, `Code()` -> code."""
    match = _TYPE.search(annotation)
    if match:
        return match.group(1)
    match = _PRIMITIVE.search(annotation)
    if match:
        return match.group(1)[0].lower() + match.group(1)[1:]
    return "boolean" if "bool" in annotation else None


def element(type_name: str | None, name: str) -> tuple[bool, str | None] | None:
    """(repeats, child type) of `type_name.name`, or None when the schema does not know it."""
    if type_name is None or not type_name[:1].isupper():
        return None
    elements = _elements(type_name)
    if elements is None:
        return None
    return elements.get(name)


def is_choice(type_name: str | None, name: str) -> bool:
    """Whether `name` is a choice element (value[x]) of `type_name`, e.g. Observation.value."""
    elements = _elements(type_name) if type_name and type_name[:1].isupper() else None
    if not elements:
        return False
    return any(k.startswith(name) and k[len(name) : len(name) + 1].isupper() for k in elements)
