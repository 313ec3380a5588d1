"""Every extension the hub or its mappings write has a StructureDefinition the hub serves."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fhir.resources.R4B.structuredefinition import StructureDefinition

from hub.canonical import load_canonical_resources
from hub.domain.codes import CANONICAL_BASE
from hub.extensions import EXTENSIONS, extension_definitions
from hub.store import FhirStore

_ROOT = Path(__file__).parents[2]
_OURS = f"{CANONICAL_BASE}/StructureDefinition/"
_BY_NAME = {e.name: e for e in EXTENSIONS}


def test_each_definition_is_an_r4b_structure_definition_of_its_own_url() -> None:
    definitions = extension_definitions()
    assert len({d["url"] for d in definitions}) == len(definitions) == len(EXTENSIONS)
    for document in definitions:
        parsed = StructureDefinition.model_validate(document)
        assert parsed.url == _OURS + parsed.id
        assert parsed.type == "Extension"
        assert parsed.derivation == "constraint"


def test_every_extension_url_in_the_code_is_defined() -> None:
    used: set[str] = set()
    for folder in ("hub", "mappings"):
        for path in (_ROOT / folder).rglob("*.py"):
            text = path.read_text("utf-8")
            used |= set(re.findall(r'extension_url\("([a-z-]+)"\)', text))
            used |= set(re.findall(r"CANONICAL_BASE\}/StructureDefinition/([a-z-]+)", text))
            used |= set(re.findall(re.escape(_OURS) + r"([a-z-]+)", text))
    assert {"source-time", "timeline-event-source", "person-seen"} <= used  # each way of writing
    assert used <= set(_BY_NAME), sorted(used - set(_BY_NAME))


def _extensions(node: Any, where: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(context, resource or element it sits on, extension) of every extension of ours."""
    found = []
    if isinstance(node, dict):
        for extension in node.get("extension") or []:
            if str(extension.get("url", "")).startswith(_OURS):
                found.append((where, extension["url"].removeprefix(_OURS), extension))
        for key, value in node.items():
            if key != "extension":
                found += _extensions(value, f"{where}.{key}")
    elif isinstance(node, list):
        for value in node:
            found += _extensions(value, where)
    return found


def test_the_mappings_output_uses_each_extension_where_and_as_it_is_defined() -> None:
    seen = set()
    for path in sorted((_ROOT / "tests" / "mappings" / "golden").glob("*.json")):
        for resource in json.loads(path.read_text("utf-8"))["resources"]:
            for where, name, extension in _extensions(resource, resource["resourceType"]):
                definition = _BY_NAME[name]
                value = "value" + definition.value[0].upper() + definition.value[1:]
                assert [k for k in extension if k.startswith("value")] == [value], (name, path)
                context = "Meta" if where.endswith(".meta") else where
                assert context in definition.contexts, (name, where)
                seen.add(name)
    assert "source-time" in seen
    assert "sub-district" in seen


def test_the_definitions_are_served_from_the_store(store: FhirStore) -> None:
    load_canonical_resources(store)
    stored = store.read("StructureDefinition", "source-time").as_dict()
    assert stored["url"] == _OURS + "source-time"
    assert stored["context"] == [{"type": "element", "expression": "Meta"}]
