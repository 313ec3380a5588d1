"""The resource-by-resource reference evaluator on fhirpathpy: the baseline and the fallback."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from fhirpathpy import evaluate
from fhirpathpy.engine.util import get_data
from fhirpathpy.models import models

from hub.stats.viewdef.boundary import BOUNDARY_TYPES, boundary
from hub.stats.viewdef.definition import ColumnDef, SelectDef, ViewDef, parse_view
from hub.stats.viewdef.errors import ViewExecutionError

__all__ = ["evaluate_view_fhirpath"]

Row = dict[str, Any]
_REFERENCE = re.compile(r"(?:^|/)([A-Za-z]+)/([A-Za-z0-9.\-]{1,64})(?:/_history/[^/]+)?$")
_BOUNDARY_CALL = re.compile(r"^(.*)\.(low|high)Boundary\(\s*\)\s*$", re.DOTALL)
_INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})


def _resource_key(inputs: list[Any]) -> list[Any]:
    """getResourceKey(): the resource id (the same key the SQL compiler uses)."""
    return [item["id"] for item in inputs if isinstance(item, dict) and "id" in item]


def _reference_key(inputs: list[Any], type_info: Any = None) -> list[Any]:
    """getReferenceKey([type]): the id part of each reference, optionally of one type."""
    wanted = getattr(type_info, "name", None)
    keys = []
    for item in inputs:
        reference = item.get("reference") if isinstance(item, dict) else None
        match = _REFERENCE.search(reference) if isinstance(reference, str) else None
        if match and (wanted is None or match.group(1) == wanted):
            keys.append(match.group(2))
    return keys


def _has_value(inputs: list[Any]) -> list[Any]:
    """hasValue() (missing in fhirpathpy): one primitive value is present."""
    return [len(inputs) == 1 and not isinstance(inputs[0], dict | list)]


_OPTIONS = {
    "userInvocationTable": {
        "hasValue": {"fn": _has_value, "arity": {0: []}},
        "getResourceKey": {"fn": _resource_key, "arity": {0: []}},
        "getReferenceKey": {"fn": _reference_key, "arity": {0: [], 1: ["TypeSpecifier"]}},
    }
}


class _Evaluator:
    """Evaluates one validated view against resources, one resource at a time."""

    def __init__(self, view: ViewDef) -> None:
        self.view = view
        self.env = dict(view.constants)
        self.model = models["r4"]

    def path(
        self, node: Any, expression: str, resource: Any, *, nodes: bool = False, index: int = 0
    ) -> list[Any]:
        """Evaluate; with nodes=True keep fhirpathpy's typed nodes (for later navigation)."""
        if node is None:  # the empty focus of a forEachOrNull row: only constants resolve
            node = {}
        expression = expression.strip()
        # fhirpathpy has no $this outside a function argument; it is the input itself.
        if expression == "$this":
            return [node] if nodes else [_plain(node)]
        expression = expression.removeprefix("$this.")
        env = {**self.env, "resource": resource, "rootResource": resource, "rowIndex": index}
        options = {**_OPTIONS, "returnRawData": nodes}
        try:
            result = evaluate(node, expression, env, self.model, options=options)
        except Exception as exc:  # fhirpathpy raises bare Exception for unsupported features
            raise ViewExecutionError(
                f"view {self.view.name!r}: FHIRPath {expression!r} failed in fhirpathpy: {exc}"
            ) from exc
        return result if nodes else [_plain(v) for v in result]

    def keep(self, resource: dict[str, Any]) -> bool:
        for item in self.view.where:
            result = self.path(resource, item.path, resource)
            if result and not (len(result) == 1 and isinstance(result[0], bool)):
                raise ViewExecutionError(
                    f"view {self.view.name!r} {item.location}: where path {item.path!r} "
                    "is not Boolean"
                )
            if result != [True]:
                return False
        return True

    def rows(self, select: SelectDef, node: Any, resource: Any, index: int = 0) -> list[Row]:
        """Rows of a select node for one focus node (the specification's algorithm)."""
        out: list[Row] = []
        iterates = select.for_each is not None or bool(select.repeat)
        for position, focus in enumerate(self.foci(select, node, resource)):
            at = position if iterates else index  # %rowIndex: position in the iteration
            parts: list[list[Row]] = [
                [{c.name: self.value(c, focus, resource, at) for c in select.columns}]
            ]
            parts.extend(self.rows(sub, focus, resource, at) for sub in select.selects)
            if select.union_all:
                branches = select.union_all
                parts.append([r for b in branches for r in self.rows(b, focus, resource, at)])
            out.extend(_product(parts))
        return out

    def foci(self, select: SelectDef, node: Any, resource: Any) -> list[Any]:
        if select.for_each is not None:
            items = self.path(node, select.paths[0], resource, nodes=True)
            return items if items or not select.or_null else [None]
        if select.repeat:
            return self.repeated(select, node, resource)
        return [node]

    def repeated(self, select: SelectDef, node: Any, resource: Any) -> list[Any]:
        """repeat: every descendant reached through the paths, depth-first pre-order."""
        out: list[Any] = []

        def visit(current: Any) -> None:
            for path in select.paths:
                for child in self.path(current, path, resource, nodes=True):
                    out.append(child)
                    visit(child)

        visit(node)
        return out

    def value(self, column: ColumnDef, focus: Any, resource: Any, index: int) -> Any:
        values = self.column_values(column, focus, resource, index)
        if column.collection:
            return [_convert(v, column.type) for v in values]
        if len(values) > 1:
            raise ViewExecutionError(
                f"view {self.view.name!r} {column.location}: several values "
                "but 'collection' is not true"
            )
        return _convert(values[0], column.type) if values else None

    def column_values(self, column: ColumnDef, focus: Any, resource: Any, index: int) -> list[Any]:
        """Evaluate a column; a trailing low/highBoundary() is done here (fhirpathpy lacks it)."""
        match = _BOUNDARY_CALL.match(column.path)
        if match is None:
            return self.path(focus, column.path, resource, index=index)
        values = self.path(focus, match.group(1), resource, index=index)
        kind = column.type if column.type in BOUNDARY_TYPES else None
        high = match.group(2) == "high"
        return [boundary(str(v), kind or _shape(str(v)), high) for v in values]


def _shape(text: str) -> str:
    """Guess date, dateTime or time from a value's text."""
    if "T" in text:
        return "dateTime"
    return "time" if ":" in text else "date"


def _plain(value: Any) -> Any:
    """fhirpathpy output as plain JSON-like Python values."""
    value = get_data(value)  # type: ignore[no-untyped-call]
    return float(value) if isinstance(value, Decimal) else value


def _convert(value: Any, fhir_type: str | None) -> Any:
    """Match the SQL engine's output types for declared column types."""
    if fhir_type in _INTEGER_TYPES and isinstance(value, int | float | str):
        return int(value)
    if fhir_type == "decimal" and isinstance(value, int | float | str):
        return float(value)
    return value


def _product(parts: list[list[Row]]) -> Iterator[Row]:
    """Cross product of row lists, merging dicts left to right."""
    if not parts:
        yield {}
        return
    for head in parts[0]:
        for tail in _product(parts[1:]):
            yield {**head, **tail}


def evaluate_view_fhirpath(view: dict[str, Any], resources: Iterable[dict[str, Any]]) -> list[Row]:
    """Run a ViewDefinition with fhirpathpy, resource by resource (reference semantics)."""
    parsed = parse_view(view)
    evaluator = _Evaluator(parsed)
    out: list[Row] = []
    for resource in resources:
        if resource.get("resourceType") != parsed.resource or not evaluator.keep(resource):
            continue
        out.extend(evaluator.rows(parsed.root, resource, resource))
    return out
