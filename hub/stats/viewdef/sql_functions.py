"""FHIRPath functions with a SQL translation: an explicit registry from name to handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hub.stats.viewdef import fhirpath as fp
from hub.stats.viewdef.boundary import BOUNDARY_TYPES, boundary_sql
from hub.stats.viewdef.compiled import BOOL, INT, LIST, ONE, STR, Compiled
from hub.stats.viewdef.errors import NotCompilableError

if TYPE_CHECKING:
    from hub.stats.viewdef.sql_expr import ExprCompiler

__all__ = ["FUNCTIONS"]


def _where(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    var, cond = c.predicate(base, args[0], label)
    return Compiled(c.d.list_filter(c.to_list(base), var, cond), LIST, base.fhir_type)


def _exists(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    if args:
        base = _where(c, base, args, label)
    if base.kind != LIST:
        return Compiled(f"({base.sql} IS NOT NULL)", BOOL)
    return Compiled(f"({c.d.list_len(base.sql)} > 0)", BOOL)


def _empty(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    return Compiled(f"({c.is_empty(base)})", BOOL)


def _first(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    if base.kind != LIST:
        return base
    return Compiled(c.d.slice(base.sql, 0), LIST, base.fhir_type)


def _last(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    if base.kind != LIST:
        return base
    return Compiled(c.d.slice(base.sql, -1), LIST, base.fhir_type)


def _count(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    return Compiled(c.d.list_len(c.to_list(base)), INT, "integer")


def _not(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    return Compiled(f"(NOT {c.to_bool(base, label)})", BOOL, "boolean")


def _join(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    separator = ""
    if args:
        arg = args[0]
        if not (isinstance(arg, fp.Literal) and isinstance(arg.value, str)):
            raise NotCompilableError("join() needs a literal separator")
        separator = arg.value
    var = c.fresh()
    items = c.to_list(base)
    texts = c.d.list_map(items, var, c.d.text_at(var, "$"))
    joined = c.d.list_join(texts, separator)
    return Compiled(f"(CASE WHEN {c.d.list_len(items)} = 0 THEN NULL ELSE {joined} END)", STR)


def _extension(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    url = c.compile(args[0], base, label)
    if url.kind != STR:
        raise NotCompilableError("extension() needs a string url")
    extensions = c.child(base, "extension")
    var = c.fresh()
    cond = f"{c.d.json_field_text(var, 'url')} = {url.sql}"
    return Compiled(c.d.list_filter(c.to_list(extensions), var, cond), LIST, "Extension")


def _resource_key(
    c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str
) -> Compiled:
    return c.child(base, "id")


def _reference_key(
    c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str
) -> Compiled:
    type_name = None
    if args:
        arg = args[0]
        assert isinstance(arg, fp.Member)
        type_name = arg.name
    references = c.child(base, "reference")
    if references.kind == ONE:  # a single Reference: no list needed
        return Compiled(c.d.reference_key(c.text(references), type_name), STR)
    keys = c.d.reference_keys(c.to_list(references), c.fresh(), type_name)
    return Compiled(keys, LIST, "string")


def _boundary(high: bool) -> _Handler:
    def handler(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
        if args or base.fhir_type not in BOUNDARY_TYPES:
            raise NotCompilableError("boundary of a decimal or of an untyped value")
        assert base.fhir_type is not None
        sql = boundary_sql(c.d, c.text(base), base.fhir_type, high)
        return Compiled(sql, STR, base.fhir_type)

    return handler


def _string_argument(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> str:
    """The SQL of a string argument (literal or constant); anything else is not compiled."""
    argument = c.compile(args[0], base, label)
    if argument.kind != STR:
        raise NotCompilableError("string function with a non-string argument")
    return argument.sql


def _text_test(template: str) -> _Handler:
    """startsWith/endsWith/contains(string): `template` over {text} and {arg}."""

    def handler(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
        text, arg = c.text(base), _string_argument(c, base, args, label)
        return Compiled(template.format(text=text, arg=arg), BOOL, "boolean")

    return handler


def _text_map(template: str, kind: str, fhir_type: str) -> _Handler:
    """lower/upper/length/toString: `template` over the singleton's {text}."""

    def handler(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
        return Compiled(template.format(text=c.text(base)), kind, fhir_type)

    return handler


def _iif(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    condition = c.to_bool(c.compile(args[0], base, label), label)
    then = c.compile(args[1], base, label)
    otherwise = c.compile(args[2], base, label) if len(args) > 2 else None
    if otherwise is None or (then.kind == otherwise.kind and then.kind in (STR, INT, BOOL)):
        other_sql = otherwise.sql if otherwise is not None else "NULL"
        if then.kind in (STR, INT, BOOL):
            sql = f"(CASE WHEN {condition} THEN {then.sql} ELSE {other_sql} END)"
            return Compiled(sql, then.kind, then.fhir_type)
    other_list = c.to_list(otherwise) if otherwise is not None else c.d.empty_list()
    sql = f"(CASE WHEN {condition} THEN {c.to_list(then)} ELSE {other_list} END)"
    return Compiled(sql, LIST, then.fhir_type)


def _has_value(c: ExprCompiler, base: Compiled, args: tuple[fp.Node, ...], label: str) -> Compiled:
    """hasValue(): a single primitive value is present."""
    return Compiled(f"({c.text(base)} IS NOT NULL)", BOOL, "boolean")


_Handler = Callable[["ExprCompiler", Compiled, tuple[fp.Node, ...], str], Compiled]
FUNCTIONS: dict[str, _Handler] = {
    "where": _where,
    "exists": _exists,
    "empty": _empty,
    "first": _first,
    "last": _last,
    "count": _count,
    "not": _not,
    "join": _join,
    "ofType": _first,  # dispatched specially in ExprCompiler.call
    "extension": _extension,
    "getResourceKey": _resource_key,
    "getReferenceKey": _reference_key,
    "lowBoundary": _boundary(high=False),
    "highBoundary": _boundary(high=True),
    "iif": _iif,
    "hasValue": _has_value,
    # String functions on a single value; both engines have these SQL functions.
    "startsWith": _text_test("(left({text}, length({arg})) = {arg})"),
    "endsWith": _text_test("(right({text}, length({arg})) = {arg})"),
    "contains": _text_test("(strpos({text}, {arg}) > 0)"),
    "lower": _text_map("lower({text})", STR, "string"),
    "upper": _text_map("upper({text})", STR, "string"),
    "length": _text_map("length({text})", INT, "integer"),
    "toString": _text_map("{text}", STR, "string"),
}
