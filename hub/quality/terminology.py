"""The mappings' terminology as the checks need it: our code systems and the code tables.

The checks may not import the mappings (they are independent packages); the hub reads the
same data files the mappings translate with and hands the result in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from validation.suites import CodeTables

__all__ = ["load_bindings", "load_code_tables"]


def _codes(concepts: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for concept in concepts:
        out.add(str(concept["code"]))
        out |= _codes(concept.get("concept", []))
    return out


@cache
def load_bindings() -> Mapping[str, frozenset[str]]:
    """Our code systems (URL -> codes), read from the mappings' terminology files."""
    folder = resources.files("mappings").joinpath("data", "codesystems")
    bindings: dict[str, frozenset[str]] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            if data.get("content", "complete") == "complete":
                bindings[data["url"]] = frozenset(_codes(data.get("concept", [])))
    return bindings


@cache
def load_code_tables() -> CodeTables:
    """The mappings' code tables by name: each CodeSystem's codes, each ConceptMap's sources.

    The raw suites name these tables instead of listing codes, so what a raw check accepts
    is read from the very files the mappings translate with and cannot drift from them.
    """
    root = resources.files("mappings").joinpath("data")
    tables: dict[str, frozenset[str]] = {}
    for entry in root.joinpath("codesystems").iterdir():
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            tables[f"CodeSystem/{entry.name[:-5]}"] = frozenset(_codes(data.get("concept", [])))
    for entry in root.joinpath("conceptmaps").iterdir():
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            sources = {str(e["code"]) for g in data["group"] for e in g["element"]}
            tables[f"ConceptMap/{entry.name[:-5]}"] = frozenset(sources)
    return tables
