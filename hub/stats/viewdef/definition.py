"""Validate a ViewDefinition (a dict) into a typed tree that the compilers and evaluators walk."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from typing import Any

from hub.stats.viewdef import fhirpath as fp
from hub.stats.viewdef.errors import ViewDefinitionError

__all__ = ["ColumnDef", "ConstantValue", "SelectDef", "ViewDef", "WhereDef", "parse_view"]

ConstantValue = str | int | float | bool

_COLUMN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESOURCE_NAME = re.compile(r"^[A-Z][A-Za-z]+$")
_SELECT_KEYS = {"column", "select", "forEach", "forEachOrNull", "repeat", "unionAll"}

PRIMITIVE_TYPES = frozenset(
    [
        "boolean",
        "integer",
        "integer64",
        "string",
        "decimal",
        "uri",
        "url",
        "canonical",
        "base64Binary",
        "instant",
        "date",
        "dateTime",
        "time",
        "code",
        "oid",
        "id",
        "markdown",
        "unsignedInt",
        "positiveInt",
        "uuid",
        "xhtml",
    ]
)

# (minimum, maximum) number of arguments; None means any number.
FUNCTION_ARITY: dict[str, tuple[int, int | None]] = {
    "where": (1, 1),
    "select": (1, 1),
    "exists": (0, 1),
    "empty": (0, 0),
    "first": (0, 0),
    "last": (0, 0),
    "tail": (0, 0),
    "skip": (1, 1),
    "take": (1, 1),
    "single": (0, 0),
    "count": (0, 0),
    "distinct": (0, 0),
    "isDistinct": (0, 0),
    "all": (1, 1),
    "allTrue": (0, 0),
    "anyTrue": (0, 0),
    "allFalse": (0, 0),
    "anyFalse": (0, 0),
    "not": (0, 0),
    "join": (0, 1),
    "ofType": (1, 1),
    "as": (1, 1),
    "is": (1, 1),
    "extension": (1, 1),
    "getResourceKey": (0, 0),
    "getReferenceKey": (0, 1),
    "lowBoundary": (0, 1),
    "highBoundary": (0, 1),
    "iif": (2, 3),
    "toString": (0, 0),
    "toInteger": (0, 0),
    "toDecimal": (0, 0),
    "toBoolean": (0, 0),
    "toDate": (0, 0),
    "toDateTime": (0, 0),
    "toTime": (0, 0),
    "startsWith": (1, 1),
    "endsWith": (1, 1),
    "contains": (1, 1),
    "matches": (1, 1),
    "replace": (2, 2),
    "substring": (1, 2),
    "length": (0, 0),
    "upper": (0, 0),
    "lower": (0, 0),
    "indexOf": (1, 1),
    "trim": (0, 0),
    "split": (1, 1),
    "hasValue": (0, 0),
    "union": (1, 1),
    "combine": (1, 1),
    "intersect": (1, 1),
    "exclude": (1, 1),
    "subsetOf": (1, 1),
    "supersetOf": (1, 1),
    "children": (0, 0),
    "descendants": (0, 0),
    "repeat": (1, 1),
    "abs": (0, 0),
    "ceiling": (0, 0),
    "floor": (0, 0),
    "round": (0, 1),
    "truncate": (0, 0),
    "today": (0, 0),
    "now": (0, 0),
}
TYPE_ARGUMENT_FUNCTIONS = frozenset({"ofType", "as", "is", "getReferenceKey"})


@dataclass(frozen=True)
class ColumnDef:
    """One output column: its name, FHIRPath, declared FHIR type and collection flag."""

    name: str
    path: str
    expr: fp.Node
    type: str | None
    collection: bool
    location: str


@dataclass(frozen=True)
class SelectDef:
    """A select node: columns, nested selects and unionAll, under an optional iteration."""

    columns: tuple[ColumnDef, ...]
    selects: tuple[SelectDef, ...]
    union_all: tuple[SelectDef, ...]
    for_each: fp.Node | None
    or_null: bool
    repeat: tuple[fp.Node, ...]
    location: str
    paths: tuple[str, ...] = ()  # the forEach text, or the repeat texts, as written

    def column_names(self) -> list[str]:
        """Output column names in the order the specification fixes."""
        names = [c.name for c in self.columns]
        for sub in self.selects:
            names.extend(sub.column_names())
        if self.union_all:
            names.extend(self.union_all[0].column_names())
        return names


@dataclass(frozen=True)
class WhereDef:
    """A view-level filter expression."""

    path: str
    expr: fp.Node
    location: str


@dataclass(frozen=True)
class ViewDef:
    """A validated ViewDefinition."""

    name: str
    resource: str
    constants: dict[str, ConstantValue]
    where: tuple[WhereDef, ...]
    root: SelectDef

    def column_names(self) -> list[str]:
        """Output column names in order."""
        return self.root.column_names()


def is_known_type(name: str) -> bool:
    """Whether `name` is a FHIR primitive, data type or resource type."""
    if name in PRIMITIVE_TYPES:
        return True
    if not _RESOURCE_NAME.match(name):
        return False
    # fhir.resources ships one module per R4B data type and resource; finding it imports nothing.
    return importlib.util.find_spec(f"fhir.resources.R4B.{name.lower()}") is not None


class _Validator:
    """Walks the raw dict, collecting typed nodes and raising on the first problem."""

    def __init__(self, view: dict[str, Any]) -> None:
        self.view = view
        self.name = str(view.get("name") or view.get("title") or view.get("id") or "<unnamed>")
        self.constants: dict[str, ConstantValue] = {}

    def fail(self, location: str, problem: str) -> ViewDefinitionError:
        return ViewDefinitionError(self.name, location, problem)

    def run(self) -> ViewDef:
        resource = self.view.get("resource")
        if not isinstance(resource, str) or not _RESOURCE_NAME.match(resource):
            raise self.fail("resource", "a FHIR resource type name is required")
        self.read_constants()
        selects = self.view.get("select")
        if not isinstance(selects, list) or not selects:
            raise self.fail("select", "at least one select is required")
        root = SelectDef((), self.select_list(selects, "select"), (), None, False, (), "view")
        where = self.view.get("where") or []
        if not isinstance(where, list):
            raise self.fail("where", "must be a list")
        filters = tuple(self.where_item(item, f"where[{i}]") for i, item in enumerate(where))
        self.check_unique(root.column_names())
        return ViewDef(self.name, resource, self.constants, filters, root)

    def read_constants(self) -> None:
        for i, item in enumerate(self.view.get("constant") or []):
            location = f"constant[{i}]"
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not _COLUMN_NAME.match(name):
                raise self.fail(location, "constant needs a valid name")
            values = [k for k in item if k.startswith("value")]
            if len(values) != 1:
                raise self.fail(location, f"constant {name!r} needs exactly one value[x]")
            value = item[values[0]]
            if not isinstance(value, str | int | float | bool):
                raise self.fail(location, f"constant {name!r} must have a primitive value")
            self.constants[name] = value

    def where_item(self, item: Any, location: str) -> WhereDef:
        path = item.get("path") if isinstance(item, dict) else None
        return WhereDef(str(path), self.expression(path, f"{location}.path"), location)

    def select_list(self, items: Any, location: str) -> tuple[SelectDef, ...]:
        if not isinstance(items, list):
            raise self.fail(location, "must be a list")
        return tuple(self.select(item, f"{location}[{i}]") for i, item in enumerate(items))

    def select(self, item: Any, location: str) -> SelectDef:
        if not isinstance(item, dict):
            raise self.fail(location, "a select must be an object")
        iterations = [k for k in ("forEach", "forEachOrNull", "repeat") if k in item]
        if len(iterations) > 1:
            raise self.fail(location, f"only one of {', '.join(iterations)} is allowed")
        if not _SELECT_KEYS & item.keys():
            raise self.fail(location, "a select needs column, select or unionAll")
        for_each = None
        repeat: tuple[fp.Node, ...] = ()
        if iterations and iterations[0] != "repeat":
            key = iterations[0]
            for_each = self.expression(item[key], f"{location}.{key}")
        elif iterations:
            paths = item["repeat"]
            if not isinstance(paths, list) or not paths:
                raise self.fail(f"{location}.repeat", "must be a non-empty list of paths")
            repeat = tuple(
                self.expression(p, f"{location}.repeat[{i}]") for i, p in enumerate(paths)
            )
        columns = tuple(
            self.column(c, f"{location}.column[{i}]")
            for i, c in enumerate(self.as_list(item, "column", location))
        )
        selects = self.select_list(item.get("select", []), f"{location}.select")
        union = self.select_list(item.get("unionAll", []), f"{location}.unionAll")
        self.check_union(union, f"{location}.unionAll")
        or_null = iterations == ["forEachOrNull"]
        texts = tuple(item["repeat"]) if repeat else (item[iterations[0]],) if iterations else ()
        return SelectDef(columns, selects, union, for_each, or_null, repeat, location, texts)

    def as_list(self, item: dict[str, Any], key: str, location: str) -> list[Any]:
        value = item.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{location}.{key}", "must be a list")
        return value

    def column(self, item: Any, location: str) -> ColumnDef:
        if not isinstance(item, dict):
            raise self.fail(location, "a column must be an object")
        name = item.get("name")
        if not isinstance(name, str) or not _COLUMN_NAME.match(name):
            raise self.fail(f"{location}.name", f"invalid column name {name!r}")
        path = item.get("path")
        type_ = item.get("type")
        if type_ is not None and not (isinstance(type_, str) and is_known_type(type_)):
            raise self.fail(f"{location}.type", f"unknown FHIR type {type_!r}")
        collection = item.get("collection", False)
        if not isinstance(collection, bool):
            raise self.fail(f"{location}.collection", "must be true or false")
        expr = self.expression(path, f"{location}.path")
        return ColumnDef(name, str(path), expr, type_, collection, location)

    def check_union(self, branches: tuple[SelectDef, ...], location: str) -> None:
        if not branches:
            return
        first = branches[0].column_names()
        for i, branch in enumerate(branches[1:], start=1):
            if branch.column_names() != first:
                raise self.fail(
                    f"{location}[{i}]",
                    f"unionAll branches must have the same columns in the same order: "
                    f"{first} vs {branch.column_names()}",
                )

    def check_unique(self, names: list[str]) -> None:
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise self.fail("select", f"column name {name!r} is used twice")
            seen.add(name)

    def expression(self, text: Any, location: str) -> fp.Node:
        if not isinstance(text, str):
            raise self.fail(location, f"a FHIRPath string is required, found {text!r}")
        try:
            node = fp.parse(text)
        except fp.FhirPathSyntaxError as exc:
            raise self.fail(location, f"invalid FHIRPath {text!r}: {exc}") from exc
        self.check_node(node, location)
        return node

    def check_node(self, node: fp.Node, location: str) -> None:
        """Reject unknown functions, bad arities, unknown types and undefined constants."""
        builtin = ("resource", "rootResource", "context", "rowIndex")
        if isinstance(node, fp.ConstantRef) and node.name not in (*self.constants, *builtin):
            raise self.fail(location, f"undefined environment variable: {node.name}")
        if isinstance(node, fp.TypeOp) and not is_known_type(node.type_name):
            raise self.fail(location, f"unknown type {node.type_name!r}")
        if isinstance(node, fp.Call):
            self.check_call(node, location)
        for child in _children(node):
            self.check_node(child, location)

    def check_call(self, node: fp.Call, location: str) -> None:
        arity = FUNCTION_ARITY.get(node.name)
        if arity is None:
            raise self.fail(location, f"unknown function {node.name}()")
        low, high = arity
        if len(node.args) < low or (high is not None and len(node.args) > high):
            raise self.fail(location, f"{node.name}() takes {low}..{high} arguments")
        if node.name in TYPE_ARGUMENT_FUNCTIONS and node.args:
            arg = node.args[0]
            if not (isinstance(arg, fp.Member) and arg.base is None):
                raise self.fail(location, f"{node.name}() needs a type name argument")
            if not is_known_type(arg.name):
                raise self.fail(location, f"{node.name}(): unknown type {arg.name!r}")


def _children(node: fp.Node) -> list[fp.Node]:
    """Direct sub-expressions of a node (type-name arguments excluded)."""
    if isinstance(node, fp.Member):
        return [node.base] if node.base is not None else []
    if isinstance(node, fp.Call):
        args = [] if node.name in TYPE_ARGUMENT_FUNCTIONS else list(node.args)
        return ([node.base] if node.base is not None else []) + args
    if isinstance(node, fp.Index):
        return [node.base, node.index]
    if isinstance(node, fp.Binary):
        return [node.left, node.right]
    if isinstance(node, fp.Unary | fp.TypeOp):
        return [node.operand]
    return []


def parse_view(view: Any) -> ViewDef:
    """Validate a ViewDefinition dict, raising ViewDefinitionError that names view and path."""
    if not isinstance(view, dict):
        raise ViewDefinitionError("<not an object>", "view", "a ViewDefinition must be an object")
    return _Validator(view).run()
