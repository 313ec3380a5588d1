"""Literal references inside a resource: pure functions over its JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["reference_values"]


def reference_values(value: Any) -> Iterator[str]:
    """Every ``reference`` string in the JSON value, in document order, nested ones included."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "reference" and isinstance(child, str):
                yield child
            else:
                yield from reference_values(child)
    elif isinstance(value, list):
        for child in value:
            yield from reference_values(child)
