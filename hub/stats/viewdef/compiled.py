"""The compiled form of a FHIRPath (sub)expression: SQL text, its kind and its FHIR type."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BOOL", "INT", "LIST", "NUM", "ONE", "STR", "Compiled", "value_kind"]

# Kinds: ONE is a single JSON value or NULL (NULL = empty collection); LIST is a JSON
# collection; BOOL/STR/NUM/INT are SQL scalars where NULL again means empty.
ONE, LIST, BOOL, STR, NUM, INT = "one", "list", "bool", "str", "num", "int"


@dataclass(frozen=True)
class Compiled:
    """A SQL expression with its kind and, when known, the FHIR type of its items.

    Paths whose cardinality the schema knows keep `anchor` (a single JSON value) and
    `jpath` (a JSONPath from it), so `a.b.c` becomes one extraction instead of three.
    """

    sql: str
    kind: str
    fhir_type: str | None = None
    anchor: str | None = None
    jpath: str | None = None


_NUMERIC_TYPES = frozenset({"decimal", "integer", "integer64", "positiveInt", "unsignedInt"})


def value_kind(c: Compiled) -> str:
    """The scalar kind a value has: its SQL kind, or for JSON its FHIR primitive type."""
    if c.kind not in (ONE, LIST):
        return c.kind
    if c.fhir_type in _NUMERIC_TYPES:
        return NUM
    if c.fhir_type == "boolean":
        return BOOL
    if c.fhir_type is not None and c.fhir_type[:1].islower():
        return STR
    return "json"
