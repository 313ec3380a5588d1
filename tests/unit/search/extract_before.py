"""Verbatim copy of hub/search/extract.py before index_rows (the reference for equivalence).

Kept only for tests/unit/search/test_extract_rows.py: the new extraction must give the same
rows for the same resources.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from hub.search.dates import DateRange, parse_fhir_date
from hub.search.parameters import SearchParameter, parameters_for

__all__ = ["date_range", "index_resource", "normalise_string", "split_reference", "values_at"]

IndexRow = tuple[str, dict[str, Any]]
RowMaker = Callable[[str, list[Any], list[IndexRow]], None]

_STRING_MAX = 255
_TICK = timedelta(microseconds=1)
_DAY = timedelta(days=1) - _TICK  # a day's range ends on its last microsecond
_SECOND = timedelta(seconds=1) - _TICK
_NO_OFFSET = timedelta(0)
_STRING_PARTS = (
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
)


def normalise_string(value: str) -> str:
    """Lower case without accents: how FHIR string search compares."""
    if value.isascii():
        return value.casefold()  # nothing to decompose: the common case, ten times faster
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


def split_reference(reference: str) -> tuple[str | None, str | None, str | None]:
    """(type, id, url) of a reference string: relative ``Type/id`` or an absolute URL."""
    if "://" in reference or reference.startswith("urn:"):
        parts = reference.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-2].isalpha():
            return parts[-2], parts[-1], reference
        return None, None, reference
    parts = reference.split("/")
    if len(parts) >= 2 and parts[0].isalpha():
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
        for key in _STRING_PARTS:
            part = value.get(key)
            if isinstance(part, str):
                yield part
            elif isinstance(part, list):
                yield from (p for p in part if isinstance(p, str))


def date_range(value: str) -> DateRange:
    """``parse_fhir_date`` with a fast path for the two shapes most dates have.

    A day (``2024-03-05``) and a dateTime to the second with a zone (``...T10:00:00+08:00``,
    ``...Z``) go through ``datetime.fromisoformat`` (C) after a check of the separators;
    everything else, and anything it refuses, through the regular expression.
    """
    size = len(value)
    dashes = size >= 10 and value[4] == "-" == value[7]
    try:
        if size == 10 and dashes:
            day = datetime.fromisoformat(value)
            return day, day + _DAY
        zoned = (size == 20 and value[19] == "Z") or (size == 25 and value[19] in "+-")
        if zoned and dashes and value[10] == "T" and value[13] == ":" == value[16]:
            moment = datetime.fromisoformat(value)
            offset = moment.utcoffset() or _NO_OFFSET
            start = moment.replace(tzinfo=None) - offset
            return start, start + _SECOND
    except ValueError:
        pass  # the regular expression below decides, and says what is wrong
    return parse_fhir_date(value)


def _dates(value: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(value, str):
        try:
            yield date_range(value)
        except ValueError:
            return
    elif isinstance(value, dict) and ("start" in value or "end" in value):
        low = date_range(value["start"])[0] if "start" in value else None
        high = date_range(value["end"])[1] if "end" in value else None
        yield low, high


def _token_rows(code: str, values: list[Any], out: list[IndexRow]) -> None:
    for value in values:
        for system, token in _tokens(value):
            if token is not None or system is not None:
                out.append(("token", {"param": code, "system": system, "code": token}))


def _string_rows(code: str, values: list[Any], out: list[IndexRow]) -> None:
    for value in values:
        for text in _strings(value):
            exact = text[:_STRING_MAX]
            normal = normalise_string(exact)[:_STRING_MAX]
            out.append(("string", {"param": code, "value": normal, "exact": exact}))


def _date_rows(code: str, values: list[Any], out: list[IndexRow]) -> None:
    for value in values:
        for low, high in _dates(value):
            out.append(("date", {"param": code, "low": low, "high": high}))


def _quantity_rows(code: str, values: list[Any], out: list[IndexRow]) -> None:
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            row = {"param": code, "value": float(value), "system": None, "code": None}
        elif isinstance(value, dict) and isinstance(value.get("value"), int | float):
            system, unit = value.get("system"), value.get("code")
            row = {"param": code, "value": float(value["value"]), "system": system, "code": unit}
        else:
            continue
        out.append(("quantity", row))


def _reference_maker(targets: tuple[str, ...]) -> RowMaker:
    def reference_rows(code: str, values: list[Any], out: list[IndexRow]) -> None:
        for value in values:
            reference = value.get("reference") if isinstance(value, dict) else value
            if not isinstance(reference, str):
                continue
            target_type, target_id, url = split_reference(reference)
            if targets and target_type not in targets:
                continue
            row = {"param": code, "target_type": target_type, "target_id": target_id}
            row["target_url"] = url
            out.append(("reference", row))

    return reference_rows


_MAKERS: dict[str, RowMaker] = {
    "token": _token_rows,
    "uri": _token_rows,
    "string": _string_rows,
    "date": _date_rows,
    "quantity": _quantity_rows,
    "number": _quantity_rows,
}


def _maker(param: SearchParameter) -> RowMaker:
    if param.type == "reference":
        return _reference_maker(param.targets)
    return _MAKERS[param.type]


Entry = tuple[str, tuple[Step, ...], RowMaker]  # parameter code, steps after the first, rows
_KEY_CACHE_MAX = 512  # element names are a small vocabulary; arbitrary JSON keys are not


class _TypePlan:
    """One type's indexed parameters by the top-level element each path starts with."""

    def __init__(self, resource_type: str) -> None:
        self.exact: dict[str, list[Entry]] = {}
        self.choices: list[tuple[str, Entry]] = []
        for param in parameters_for(resource_type).values():
            if param.alias_of is not None:
                continue
            make = _maker(param)
            for path in param.paths:
                (first, choice), *rest = _steps(path)
                entry = (param.code, tuple(rest), make)
                if choice:
                    self.choices.append((first, entry))
                else:
                    self.exact.setdefault(first, []).append(entry)
        self.by_key: dict[str, tuple[Entry, ...]] = {}

    def entries(self, key: str) -> tuple[Entry, ...]:
        """The parameters a top-level element feeds (choice types matched by prefix)."""
        found = self.by_key.get(key)
        if found is None:
            found = tuple(self.exact.get(key, ())) + tuple(
                entry
                for prefix, entry in self.choices
                if key.startswith(prefix) and key[len(prefix) : len(prefix) + 1].isupper()
            )
            if len(self.by_key) < _KEY_CACHE_MAX:
                self.by_key[key] = found
        return found


@cache
def _plan(resource_type: str) -> _TypePlan:
    """The indexed parameters of a type, compiled once."""
    return _TypePlan(resource_type)


def _distinct(rows: list[IndexRow]) -> list[IndexRow]:
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    kept: list[IndexRow] = []
    for table, values in rows:
        key = (table, tuple(values.values()))
        if key not in seen:
            seen.add(key)
            kept.append((table, values))
    return kept


def _below(values: list[Any], steps: tuple[Step, ...]) -> list[Any]:
    found: list[Any] = []
    for value in values:
        found.extend(_walk(value, steps))
    return found


def index_resource(resource: dict[str, Any]) -> Iterable[IndexRow]:
    """Every index row of a resource, for every search parameter of its type, without repeats."""
    plan = _plan(str(resource.get("resourceType")))
    rows: list[IndexRow] = []
    # Walk the elements the resource has, not the parameters its type has: most of a
    # type's parameters are absent from any one resource.
    for key, value in resource.items():
        entries = plan.by_key.get(key)
        if entries is None:
            entries = plan.entries(key)
        if not entries or value is None:
            continue
        values = value if isinstance(value, list) else [value]
        for code, rest, make in entries:
            start = len(rows)
            make(code, _below(values, rest) if rest else values, rows)
            if len(rows) - start > 1:
                rows[start:] = _distinct(rows[start:])
    return rows
