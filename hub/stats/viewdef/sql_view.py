"""Compile a validated view into one set-based SQL query (lateral unnests, no per-row Python)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from hub.stats.viewdef import fhirpath as fp
from hub.stats.viewdef.compiled import BOOL, LIST, ONE, Compiled
from hub.stats.viewdef.definition import PRIMITIVE_TYPES, ColumnDef, SelectDef, ViewDef
from hub.stats.viewdef.dialects import Dialect
from hub.stats.viewdef.errors import ViewDefinitionError
from hub.stats.viewdef.hoist import Hoister
from hub.stats.viewdef.sql_expr import ExprCompiler

__all__ = ["REPEAT_DEPTH", "compile_view_sql"]

# repeat is unrolled to this many levels; deeper data aborts the query rather than being cut.
REPEAT_DEPTH = 12


@dataclass
class _Scope:
    """Joins collected for one FROM clause."""

    joins: list[str] = field(default_factory=list)


class _ViewCompiler:
    """Turns the select tree into FROM-clause lateral joins and column expressions."""

    def __init__(self, view: ViewDef, dialect: Dialect, root: str) -> None:
        self.view = view
        self.d = dialect
        self.hoister = Hoister(root, "_x") if dialect.name == "duckdb" else None
        self.exprs = ExprCompiler(dialect, view.constants, root, self.hoister)
        self.aliases = itertools.count()

    def alias(self) -> str:
        return f"_j{next(self.aliases)}"

    def label(self, location: str) -> str:
        return f"view {self.view.name!r} {location}"

    def collection(self, node: fp.Node, focus: Compiled, location: str) -> Compiled:
        compiled = self.exprs.compile(node, focus, self.label(location))
        return Compiled(self.exprs.to_list(compiled), LIST, compiled.fhir_type)

    def select(self, node: SelectDef, focus: Compiled, scope: _Scope) -> list[tuple[str, str]]:
        """Columns (name, SQL) of a select node, adding its joins to `scope`."""
        outer_index = self.exprs.row_index
        if node.for_each is not None:
            found = self.collection(node.for_each, focus, node.location)
            items = self.d.or_null(found.sql) if node.or_null else found.sql
            join, element, index = self.d.unnest_join(items, self.alias())
            scope.joins.append(join)
            focus = Compiled(element, ONE, found.fhir_type)
            self.exprs.row_index = index
        elif node.repeat:
            focus, self.exprs.row_index = self.repeat(node, focus, scope)
        columns = [(c.name, self.column(c, focus)) for c in node.columns]
        for sub in node.selects:
            columns.extend(self.select(sub, focus, scope))
        if node.union_all:
            columns.extend(self.union(node, focus, scope))
        self.exprs.row_index = outer_index
        return columns

    def repeat(self, node: SelectDef, focus: Compiled, scope: _Scope) -> tuple[Compiled, str]:
        """Unroll `repeat` level by level (one lateral join per level), then order depth-first.

        Returns the element focus and its position (for %rowIndex).
        """
        first = self.repeat_step(node, focus)
        item_type = first.fhir_type
        join, current = self.d.lateral_value(
            self.d.keyed_start(first.sql, self.exprs.fresh()), self.alias()
        )
        scope.joins.append(join)
        levels = [current]
        for depth in range(1, REPEAT_DEPTH + 1):
            var = self.exprs.fresh()
            element = Compiled(self.d.keyed_value(var), ONE, item_type)
            step = self.d.keyed_next(current, var, self.repeat_step(node, element).sql)
            if depth == REPEAT_DEPTH:
                break
            join, current = self.d.lateral_value(step, self.alias())
            scope.joins.append(join)
            levels.append(current)
        # The guard sits in the unnested expression itself: an unused lateral would be pruned.
        message = f"{self.label(node.location)}: repeat deeper than {REPEAT_DEPTH} levels"
        items = (
            f"(CASE WHEN {self.d.list_len(step)} > 0 THEN {self.d.error(message, 'list')} "
            f"ELSE {self.d.keyed_sorted(levels)} END)"
        )
        join, keyed, index = self.d.unnest_join(items, self.alias())
        scope.joins.append(join)
        return Compiled(self.d.keyed_value(keyed), ONE, item_type), index

    def repeat_step(self, node: SelectDef, one: Compiled) -> Compiled:
        """One level of `repeat`: every path applied to `one`, concatenated."""
        parts = [self.collection(path, one, node.location) for path in node.repeat]
        types = {p.fhir_type for p in parts}
        item_type = types.pop() if len(types) == 1 else None
        return Compiled(self.d.list_concat([p.sql for p in parts]), LIST, item_type)

    def union(self, node: SelectDef, focus: Compiled, scope: _Scope) -> list[tuple[str, str]]:
        """unionAll: each branch is a correlated subquery; their rows are concatenated."""
        branches = []
        for branch in node.union_all:
            inner = _Scope()
            columns = self.select(branch, focus, inner)
            select_list = ", ".join(f"{sql} AS {self.d.ident(name)}" for name, sql in columns)
            branches.append(f"SELECT {select_list} FROM {self.d.one_row()} {' '.join(inner.joins)}")
        alias = self.alias()
        scope.joins.append(f"CROSS JOIN LATERAL ({' UNION ALL '.join(branches)}) AS {alias}")
        names = node.union_all[0].column_names()
        return [(name, f"{alias}.{self.d.ident(name)}") for name in names]

    def column(self, column: ColumnDef, focus: Compiled) -> str:
        """A column's value: typed singleton, or a list when `collection` is true."""
        label = self.label(column.location)
        compiled = self.exprs.compile(column.expr, focus, label)
        fhir_type = column.type or compiled.fhir_type
        primitive = fhir_type if fhir_type in PRIMITIVE_TYPES else None
        if column.collection:
            items = self.exprs.to_list(compiled)
            var = self.exprs.fresh()
            body = self.d.output(self.d.text_at(var, "$"), primitive) if primitive else var
            return self.d.list_map(items, var, body)
        if compiled.kind == ONE:
            return (
                self.d.output(self.exprs.text(compiled), primitive) if primitive else compiled.sql
            )
        if compiled.kind != LIST:
            return self.d.scalar_output(compiled.sql, compiled.kind, fhir_type)
        items = compiled.sql
        if self.d.worth_binding(items):
            items = self.exprs.fresh()
        first = self.d.first(items)
        value = self.d.output(self.d.text_at(first, "$"), primitive) if primitive else first
        message = f"{label}: several values but 'collection' is not true"
        sql = (
            f"(CASE WHEN {self.d.list_len(items)} > 1 "
            f"THEN {self.d.error(message, self.d.sql_type(primitive))} "
            f"ELSE {value} END)"
        )
        return sql if items == compiled.sql else self.d.bind(compiled.sql, items, sql)

    def where(self, root: Compiled) -> list[str]:
        """View-level filters; a non-Boolean result aborts (the specification forbids it)."""
        conditions = []
        for item in self.view.where:
            label = self.label(item.location)
            # %resource inside a where clause is the unaliased row of the filtering subquery
            exprs = ExprCompiler(self.d, self.view.constants, root.sql)
            compiled = exprs.compile(item.expr, root, label)
            if compiled.kind == BOOL:
                conditions.append(f"coalesce({compiled.sql}, FALSE)")
                continue
            if compiled.kind != LIST and compiled.kind != ONE:
                raise ViewDefinitionError(self.view.name, item.location, "where is not Boolean")
            items = exprs.to_list(compiled)
            message = f"{label}: where path {item.path!r} is not Boolean"
            one = self.d.first(items)
            conditions.append(
                f"(CASE WHEN {self.d.list_len(items)} = 0 THEN FALSE "
                f"WHEN {self.d.list_len(items)} = 1 AND {self.d.json_is_boolean(one)} "
                f"THEN {self.d.json_truthy(one)} ELSE {self.d.error(message)} END)"
            )
        return conditions


def compile_view_sql(view: ViewDef, dialect: Dialect, source: str) -> str:
    """SQL selecting the view's rows from `source` (resource_type, content JSON)."""
    root = Compiled("_r.content", ONE, view.resource)
    compiler = _ViewCompiler(view, dialect, root.sql)
    scope = _Scope()
    columns = compiler.select(view.root, root, scope)
    select_list = ",\n  ".join(f"{sql} AS {dialect.ident(name)}" for name, sql in columns)
    # Filter inside a subquery: the where checks see only this type's rows, and they run
    # before the lateral unnests multiply rows.
    is_type = f"resource_type = {dialect.string(view.resource)}"
    filters = [is_type]
    # CASE keeps a where check that can abort from running on another type's rows
    # (AND gives the engine no evaluation order).
    for condition in compiler.where(Compiled("content", ONE, view.resource)):
        filters.append(f"(CASE WHEN {is_type} THEN {condition} ELSE FALSE END)")
    typed = f"(SELECT content FROM {source} AS _src WHERE {' AND '.join(filters)})"
    hoisted = compiler.hoister.join() if compiler.hoister else None
    joins = "\n".join([hoisted, *scope.joins] if hoisted else scope.joins)
    return f"SELECT\n  {select_list}\nFROM {typed} AS _r\n{joins}"
