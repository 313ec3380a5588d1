"""Index extraction: a resource's search-parameter values as rows of the idx_* tables.

Our own small path walker rather than fhirpathpy: indexing runs on every write of the
ingest hot path, and the paths in ``parameters.py`` are plain element walks; fhirpathpy
parses and interprets an expression per call (orders of magnitude slower per resource).
Each resource type's parameters are compiled once into (code, steps, table, row maker)
entries by the top-level element they start at, and a parameter's rows are de-duplicated
(search reads ``resource_id IN (...)``, so a repeated row only costs space and write time).
The store takes ``index_rows``: whole table rows as tuples, appended straight to the lists
it COPYs, with no dict per row (``index_resource`` gives the same rows as dicts).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from hub.search.dates import DateRange, parse_fhir_date
from hub.search.parameters import SearchParameter, parameters_for

__all__ = [
    "COLUMNS",
    "TableRows",
    "date_range",
    "index_resource",
    "index_rows",
    "new_table_rows",
    "normalise_string",
    "split_reference",
    "values_at",
]

IndexRow = tuple[str, dict[str, Any]]
Rows = list[tuple[Any, ...]]
#: Whole index-table rows by table name ("token", "date", ...).
TableRows = dict[str, Rows]
RowMaker = Callable[[str, str, str, list[Any], Rows], None]

#: The value columns of each index table, after (resource_type, resource_id).
COLUMNS: dict[str, tuple[str, ...]] = {
    "token": ("param", "system", "code"),
    "string": ("param", "value", "exact"),
    "date": ("param", "low", "high"),
    "reference": ("param", "target_type", "target_id", "target_url"),
    "quantity": ("param", "value", "system", "code"),
}

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


def _text(value: Any) -> str | None:
    """A system or code as text: the store COPYs index rows in binary, text columns as str.

    A FHIR code is a JSON string, but a malformed resource may hold a number there.
    """
    return value if value is None or value.__class__ is str else str(value)


def _token_rows(rt: str, rid: str, code: str, values: list[Any], out: Rows) -> None:
    # _tokens inlined: this runs for every token value of every write
    for value in values:
        if isinstance(value, str):
            out.append((rt, rid, code, None, value))
        elif isinstance(value, dict):
            if "coding" in value or ("text" in value and "system" not in value):
                for coding in value.get("coding", []):
                    system, token = coding.get("system"), coding.get("code")
                    if token.__class__ is not str or system.__class__ is not str:
                        system, token = _text(system), _text(token)
                    if token is not None or system is not None:
                        out.append((rt, rid, code, system, token))
                continue
            for system, token in _tokens(value):
                if token is not None or system is not None:
                    out.append((rt, rid, code, _text(system), _text(token)))
        elif isinstance(value, bool):
            out.append((rt, rid, code, None, "true" if value else "false"))


def _string_rows(rt: str, rid: str, code: str, values: list[Any], out: Rows) -> None:
    for value in values:
        for text in _strings(value):
            exact = text[:_STRING_MAX]
            out.append((rt, rid, code, normalise_string(exact)[:_STRING_MAX], exact))


def _date_rows(rt: str, rid: str, code: str, values: list[Any], out: Rows) -> None:
    for value in values:
        for low, high in _dates(value):
            out.append((rt, rid, code, low, high))


def _quantity_rows(rt: str, rid: str, code: str, values: list[Any], out: Rows) -> None:
    for value in values:
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append((rt, rid, code, float(value), None, None))
        elif isinstance(value, dict) and isinstance(value.get("value"), int | float):
            system, unit = _text(value.get("system")), _text(value.get("code"))
            out.append((rt, rid, code, float(value["value"]), system, unit))


def _reference_maker(targets: tuple[str, ...]) -> RowMaker:
    def reference_rows(rt: str, rid: str, code: str, values: list[Any], out: Rows) -> None:
        for value in values:
            reference = value.get("reference") if isinstance(value, dict) else value
            if not isinstance(reference, str):
                continue
            target_type, target_id, url = split_reference(reference)
            if targets and target_type not in targets:
                continue
            out.append((rt, rid, code, target_type, target_id, url))

    return reference_rows


_MAKERS: dict[str, tuple[str, RowMaker]] = {
    "token": ("token", _token_rows),
    "uri": ("token", _token_rows),
    "string": ("string", _string_rows),
    "date": ("date", _date_rows),
    "quantity": ("quantity", _quantity_rows),
    "number": ("quantity", _quantity_rows),
}


def _maker(param: SearchParameter) -> tuple[str, RowMaker]:
    if param.type == "reference":
        return "reference", _reference_maker(param.targets)
    return _MAKERS[param.type]


# parameter code, steps after the first, index table, rows
Entry = tuple[str, tuple[Step, ...], str, RowMaker]
_KEY_CACHE_MAX = 512  # element names are a small vocabulary; arbitrary JSON keys are not


class _TypePlan:
    """One type's indexed parameters by the top-level element each path starts with."""

    def __init__(self, resource_type: str) -> None:
        self.exact: dict[str, list[Entry]] = {}
        self.choices: list[tuple[str, Entry]] = []
        for param in parameters_for(resource_type).values():
            if param.alias_of is not None:
                continue
            table, make = _maker(param)
            for path in param.paths:
                (first, choice), *rest = _steps(path)
                entry = (param.code, tuple(rest), table, make)
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


def _distinct(rows: Rows) -> Rows:
    seen: set[tuple[Any, ...]] = set()
    kept: Rows = []
    for row in rows:
        if row not in seen:
            seen.add(row)
            kept.append(row)
    return kept


def _below(values: list[Any], steps: tuple[Step, ...]) -> list[Any]:
    if len(steps) == 1 and not steps[0][1]:  # one plain step (meta.tag): no walk needed
        name = steps[0][0]
        found: list[Any] = []
        for value in values:
            if isinstance(value, dict) and name in value:
                item = value[name]
                if isinstance(item, list):
                    found.extend(item)
                else:
                    found.append(item)
        return found
    found = []
    for value in values:
        found.extend(_walk(value, steps))
    return found


def new_table_rows() -> TableRows:
    """Empty row lists for every index table, for ``index_rows`` to fill."""
    return {table: [] for table in COLUMNS}


def index_rows(resource: dict[str, Any], resource_id: str, tables: TableRows) -> None:
    """Append a resource's index rows to ``tables`` as whole table rows, without repeats.

    A row is (resource_type, resource_id, *the table's ``COLUMNS``): what the store writes,
    built once, with no per-row dict (``index_resource`` gives the same rows as dicts).
    """
    resource_type = str(resource.get("resourceType"))
    plan = _plan(resource_type)
    # Walk the elements the resource has, not the parameters its type has: most of a
    # type's parameters are absent from any one resource.
    for key, value in resource.items():
        entries = plan.by_key.get(key)
        if entries is None:
            entries = plan.entries(key)
        if not entries or value is None:
            continue
        values = value if isinstance(value, list) else [value]
        for code, rest, table, make in entries:
            found = _below(values, rest) if rest else values
            if not found:
                continue
            rows = tables[table]
            start = len(rows)
            make(resource_type, resource_id, code, found, rows)
            if len(rows) - start > 1:
                rows[start:] = _distinct(rows[start:])


def index_resource(resource: dict[str, Any]) -> Iterable[IndexRow]:
    """Every index row of a resource as (table, {column: value}), without repeats."""
    tables = new_table_rows()
    index_rows(resource, str(resource.get("id")), tables)
    return [
        (table, dict(zip(COLUMNS[table], row[2:], strict=True)))
        for table, rows in tables.items()
        for row in rows
    ]
