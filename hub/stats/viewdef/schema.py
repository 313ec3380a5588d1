"""Element cardinality and types from the FHIR R4B models, so paths compile to one JSONPath."""

from __future__ import annotations

import re
from functools import cache

__all__ = ["element"]

_TYPE = re.compile(r"\babc\.(\w+)Type\b")


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
        match = _TYPE.search(text)
        elements[field.alias or name] = ("List[" in text, match.group(1) if match else None)
    return elements


def element(type_name: str | None, name: str) -> tuple[bool, str | None] | None:
    """(repeats, child type) of `type_name.name`, or None when the schema does not know it."""
    if type_name is None or not type_name[:1].isupper():
        return None
    elements = _elements(type_name)
    if elements is None:
        return None
    return elements.get(name)
