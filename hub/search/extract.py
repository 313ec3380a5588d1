"""Index extraction: a resource's search-parameter values as rows of the idx_* tables.

Our own small path walker rather than fhirpathpy: indexing runs on every write of the
ingest hot path, and the paths in ``parameters.py`` are plain element walks; fhirpathpy
parses and interprets an expression per call (orders of magnitude slower per resource).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from hub.search.dates import parse_fhir_date
from hub.search.parameters import SearchParameter, parameters_for

__all__ = ["index_resource", "normalise_string", "split_reference", "values_at"]

IndexRow = tuple[str, dict[str, Any]]

_STRING_MAX = 255


def normalise_string(value: str) -> str:
    """Lower case without accents: how FHIR string search compares."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


Step = tuple[str, bool]  # element name (or choice prefix), is it a choice type


@cache
def _steps(path: str) -> tuple[Step, ...]:
    return tuple((s[:-3], True) if s.endswith("[x]") else (s, False) for s in path.split("."))


def _walk(node: Any, steps: tuple[Step, ...]) -> list[Any]:
    items: list[Any] = [node]
    for name, choice in steps:
        next_items: list[Any] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            if choice:
                found = [
                    v
                    for k, v in item.items()
                    if k.startswith(name) and k[len(name) : len(name) + 1].isupper()
                ]
            elif name in item:
                found = [item[name]]
            else:
                continue
            for value in found:
                if isinstance(value, list):
                    next_items.extend(value)
                else:
                    next_items.append(value)
        items = next_items
    return items


def values_at(node: Any, path: str) -> Iterator[Any]:
    """Every value at a dotted path; ``name[x]`` walks every choice-type variant."""
    return iter(_walk(node, _steps(path)))


@cache
def _plan(resource_type: str) -> tuple[tuple[SearchParameter, tuple[tuple[Step, ...], ...]], ...]:
    """The parameters of a type with their paths split once."""
    return tuple(
        (param, tuple(_steps(path) for path in param.paths))
        for param in parameters_for(resource_type).values()
        if param.alias_of is None
    )


def split_reference(reference: str) -> tuple[str | None, str | None, str | None]:
    """(type, id, url) of a reference string: relative ``Type/id`` or an absolute URL."""
    if "://" in reference or reference.startswith("urn:"):
        parts = reference.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-2].isalpha():
            return parts[-2], parts[-1], reference
        return None, None, reference
    parts = reference.split("/")
    if len(parts) >= 2 and parts[0].isalpha():
        if len(parts) >= 4 and parts[2] == "_history":
            return parts[0], parts[1], None
        return parts[0], parts[1], None
    return None, None, reference


def _tokens(value: Any) -> Iterator[tuple[str | None, str | None]]:
    if isinstance(value, bool):
        yield None, "true" if value else "false"
    elif isinstance(value, str):
        yield None, value
    elif isinstance(value, dict):
        if "coding" in value or ("text" in value and "system" not in value):
            for coding in value.get("coding", []):
                yield coding.get("system"), coding.get("code")
        elif "value" in value and ("system" in value or "use" in value or "type" in value):
            yield value.get("system"), str(value["value"])  # Identifier / ContactPoint
        elif "code" in value or "system" in value:
            yield value.get("system"), value.get("code")  # Coding / Quantity
        elif "value" in value:
            yield None, str(value["value"])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key in (
            "text",
            "family",
            "given",
            "prefix",
            "suffix",
            "line",
            "city",
            "district",
            "state",
            "postalCode",
            "country",
        ):
            part = value.get(key)
            if isinstance(part, str):
                yield part
            elif isinstance(part, list):
                yield from (p for p in part if isinstance(p, str))


def _dates(value: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(value, str):
        try:
            yield parse_fhir_date(value)
        except ValueError:
            return
    elif isinstance(value, dict) and ("start" in value or "end" in value):
        low = parse_fhir_date(value["start"])[0] if "start" in value else None
        high = parse_fhir_date(value["end"])[1] if "end" in value else None
        yield low, high


def _rows(param: SearchParameter, value: Any) -> Iterator[IndexRow]:
    if param.type in ("token", "uri"):
        for system, code in _tokens(value):
            if code is not None or system is not None:
                yield "token", {"param": param.code, "system": system, "code": code}
    elif param.type == "string":
        for text in _strings(value):
            exact = text[:_STRING_MAX]
            yield (
                "string",
                {
                    "param": param.code,
                    "value": normalise_string(exact)[:_STRING_MAX],
                    "exact": exact,
                },
            )
    elif param.type == "date":
        for low, high in _dates(value):
            yield "date", {"param": param.code, "low": low, "high": high}
    elif param.type == "reference":
        yield from _reference_rows(param, value)
    elif param.type in ("quantity", "number"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield (
                "quantity",
                {"param": param.code, "value": float(value), "system": None, "code": None},
            )
        elif isinstance(value, dict) and isinstance(value.get("value"), int | float):
            yield (
                "quantity",
                {
                    "param": param.code,
                    "value": float(value["value"]),
                    "system": value.get("system"),
                    "code": value.get("code"),
                },
            )


def _reference_rows(param: SearchParameter, value: Any) -> Iterator[IndexRow]:
    reference = value.get("reference") if isinstance(value, dict) else value
    if not isinstance(reference, str):
        return
    target_type, target_id, url = split_reference(reference)
    if param.targets and target_type not in param.targets:
        return
    yield (
        "reference",
        {
            "param": param.code,
            "target_type": target_type,
            "target_id": target_id,
            "target_url": url,
        },
    )


def index_resource(resource: dict[str, Any]) -> Iterable[IndexRow]:
    """Every index row of a resource, for every search parameter of its type."""
    rows: list[IndexRow] = []
    for param, paths in _plan(str(resource.get("resourceType"))):
        for steps in paths:
            for value in _walk(resource, steps):
                rows.extend(_rows(param, value))
    return rows
