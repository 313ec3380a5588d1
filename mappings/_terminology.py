"""Code tables shipped as data: our CodeSystems, ConceptMaps and small tables, loaded once.

A local code becomes a standard code only through a ConceptMap; a code of one of our own
CodeSystems must exist in it. Either way an unknown code raises ``UnmappedCode`` naming the
code, the field and the map, so the record is quarantined rather than passed through.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from hub.domain.codes import CANONICAL_BASE, code_system_url
from mappings._errors import UnmappedCode

__all__ = [
    "Coding",
    "Where",
    "canonical_data",
    "concept_map_url",
    "frequency_table",
    "local_code",
    "maybe_translate",
    "own_code",
    "translate",
]

Coding = dict[str, str]


@dataclass(frozen=True)
class Where:
    """Which record and field a code came from, for error messages."""

    kind: str
    key: str


def _load(folder: str, name: str) -> dict[str, Any]:
    text = resources.files("mappings").joinpath("data", folder, f"{name}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def concept_map_url(name: str) -> str:
    """Canonical URL of one of our ConceptMaps."""
    return f"{CANONICAL_BASE}/ConceptMap/{name}"


@cache
def _concept_map(name: str) -> tuple[str, dict[str, Coding]]:
    data = _load("conceptmaps", name)
    # One group per target system (e.g. v3 RoleCode, and v2-0131 for "other").
    table = {
        element["code"]: {
            "system": group["target"],
            "code": element["target"][0]["code"],
            "display": element["target"][0]["display"],
        }
        for group in data["group"]
        for element in group["element"]
    }
    return data["group"][0]["target"], table


@cache
def _code_system(name: str) -> dict[str, Coding]:
    data = _load("codesystems", name)
    return {
        c["code"]: {"system": data["url"], "code": c["code"], "display": c["display"]}
        for c in data["concept"]
    }


def translate(concept_map: str, code: str, field: str, where: Where) -> Coding:
    """The target coding of ``code`` in ConceptMap ``concept_map``; raises UnmappedCode."""
    _, table = _concept_map(concept_map)
    try:
        return dict(table[code])
    except KeyError:
        raise UnmappedCode(
            where.kind, where.key, field, code, concept_map_url(concept_map)
        ) from None


def maybe_translate(concept_map: str, code: str) -> Coding | None:
    """The target coding, or None when the map has no entry (for optional second codings)."""
    _, table = _concept_map(concept_map)
    found = table.get(code)
    return dict(found) if found else None


def local_code(code_system: str, code: str, field: str, where: Where) -> Coding:
    """The coding of ``code`` in our CodeSystem ``code_system``; raises UnmappedCode."""
    try:
        return dict(_code_system(code_system)[code])
    except KeyError:
        raise UnmappedCode(
            where.kind, where.key, field, code, code_system_url(code_system)
        ) from None


def own_code(code_system: str, code: str) -> Coding:
    """A code the hub itself chose; a missing one is a bug in the mapping, so KeyError."""
    return dict(_code_system(code_system)[code])


@cache
def frequency_table() -> dict[str, Any]:
    """HIS frequency codes to Timing.repeat (tables/frequency.json)."""
    data = _load("tables", "frequency")
    codes: dict[str, Any] = data["codes"]
    return codes


@cache
def canonical_data() -> tuple[str, ...]:
    """Every shipped canonical resource as JSON text (CodeSystems, ConceptMaps, Questionnaires)."""
    out: list[str] = []
    root = resources.files("mappings").joinpath("data")
    for folder in ("codesystems", "valuesets", "conceptmaps", "questionnaires"):
        directory = root.joinpath(folder)
        if not directory.is_dir():
            continue
        for entry in sorted(directory.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                out.append(entry.read_text("utf-8"))
    return tuple(out)
