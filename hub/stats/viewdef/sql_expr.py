"""Translate FHIRPath ASTs into set-based SQL expressions over JSON (DuckDB and PostgreSQL)."""

from __future__ import annotations

import itertools

from hub.stats.viewdef import fhirpath as fp
from hub.stats.viewdef import schema
from hub.stats.viewdef.compiled import BOOL, INT, LIST, NUM, ONE, STR, Compiled, value_kind
from hub.stats.viewdef.definition import ConstantValue
from hub.stats.viewdef.dialects import Dialect, json_key
from hub.stats.viewdef.errors import NotCompilableError
from hub.stats.viewdef.hoist import Hoister
from hub.stats.viewdef.sql_functions import FUNCTIONS

__all__ = ["ExprCompiler"]

_COMPARISONS = {"=": "=", "!=": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}


class ExprCompiler:
    """Compiles one view's expressions; `error_label` goes into runtime error messages."""

    def __init__(
        self,
        dialect: Dialect,
        constants: dict[str, ConstantValue],
        root: str,
        hoister: Hoister | None = None,
    ) -> None:
        self.d = dialect
        self.constants = constants
        self.root = root
        self.hoister = hoister
        # %rowIndex: SQL for the current element's position, set by the view compiler.
        self.row_index = "0"
        self._names = itertools.count()

    def fresh(self) -> str:
        """A new lambda-variable name."""
        return f"_v{next(self._names)}"

    # --- conversions between kinds -------------------------------------------------------
    def to_list(self, c: Compiled) -> str:
        """The expression as a JSON collection."""
        if c.kind == LIST:
            return c.sql
        if c.kind == ONE:
            return self.d.one_to_list(c.sql)
        return self.d.scalar_to_list(c.sql)

    def to_bool(self, c: Compiled, label: str) -> str:
        """FHIRPath singleton evaluation to Boolean (NULL when empty)."""
        if c.kind == BOOL:
            return c.sql
        if c.kind in (STR, NUM, INT):
            return f"({c.sql} IS NOT NULL OR NULL)"
        if c.kind == ONE:
            return self.d.json_truthy(c.sql)
        return self.d.list_truthy(c.sql, f"{label}: several values where one Boolean is expected")

    def to_scalar(self, c: Compiled, want: str) -> str:
        """A singleton as a SQL scalar of kind `want` (STR/NUM/BOOL); NULL when not singleton."""
        if c.kind in (STR, NUM, INT, BOOL):
            return self.d.cast_scalar(c.sql, c.kind, want)
        return self.d.cast_text(self.text(c), want)

    def text(self, c: Compiled) -> str:
        """The JSON text of a singleton (NULL when empty or several)."""
        if c.kind == ONE and c.anchor is not None and c.jpath is not None:
            return self.at(c.anchor, c.jpath, "text")
        one = c.sql if c.kind == ONE else self.d.single(c.sql)
        return self.d.text_at(one, "$")

    def cardinality_guard(self, c: Compiled) -> str | None:
        """SQL that is true when the operand holds more than one value, if that can happen."""
        return self.d.list_len(c.sql) + " > 1" if c.kind == LIST else None

    def is_empty(self, c: Compiled) -> str:
        """SQL that is true when the operand is empty."""
        if c.kind == LIST:
            return f"{self.d.list_len(c.sql)} = 0"
        return f"{c.sql} IS NULL"

    # --- the walk -----------------------------------------------------------------------
    def compile(self, node: fp.Node, focus: Compiled, label: str) -> Compiled:
        """Compile `node` evaluated with `focus` as its input collection."""
        if isinstance(node, fp.This):
            return focus
        if isinstance(node, fp.Literal):
            return self.literal(node.value, node.kind)
        if isinstance(node, fp.ConstantRef):
            return self.constant(node.name)
        if isinstance(node, fp.Member):
            base = focus if node.base is None else self.compile(node.base, focus, label)
            return self.child(base, node.name)
        if isinstance(node, fp.Index):
            return self.index(node, focus, label)
        if isinstance(node, fp.Binary):
            return self.binary(node, focus, label)
        if isinstance(node, fp.Unary):
            operand = self.compile(node.operand, focus, label)
            value = self.to_scalar(operand, NUM)
            return Compiled(f"(-{value})" if node.op == "-" else value, NUM)
        if isinstance(node, fp.Call):
            return self.call(node, focus, label)
        raise NotCompilableError(f"{type(node).__name__} has no SQL translation")

    def literal(self, value: object, kind: str) -> Compiled:
        """A literal as a typed SQL scalar."""
        if kind == "empty" or value is None:
            return Compiled(self.d.empty_list(), LIST)
        if isinstance(value, bool):
            return Compiled("TRUE" if value else "FALSE", BOOL, "boolean")
        if isinstance(value, int):
            return Compiled(str(value), INT, "integer")
        if isinstance(value, float):
            return Compiled(repr(value), NUM, "decimal")
        return Compiled(self.d.string(str(value)), STR, "string")

    def constant(self, name: str) -> Compiled:
        """A view constant or %resource."""
        if name in ("resource", "rootResource"):
            return Compiled(self.root, ONE)
        if name == "rowIndex":
            return Compiled(self.row_index, INT, "integer")
        if name not in self.constants:
            raise NotCompilableError(f"environment variable %{name}")
        value = self.constants[name]
        return self.literal(value, "string" if isinstance(value, str) else "value")

    def child(self, base: Compiled, name: str) -> Compiled:
        """Navigation to a child element, flattening arrays."""
        info = schema.element(base.fhir_type, name)
        if info is not None and base.kind in (ONE, LIST):
            return self.typed_child(base, name, *info)
        if schema.is_choice(base.fhir_type, name):
            # value[x] without ofType(): the JSON key depends on the data's type
            raise NotCompilableError(f"choice element {name!r} without ofType()")
        if base.kind == ONE:
            return Compiled(self.d.child_of_one(base.sql, name), LIST)
        if base.kind == LIST:
            return Compiled(self.d.child_of_list(base.sql, self.fresh(), name), LIST)
        raise NotCompilableError(f"navigating {name!r} from a scalar")

    def typed_child(
        self, base: Compiled, name: str, repeats: bool, child_type: str | None
    ) -> Compiled:
        """Navigation whose cardinality is known: extend the JSONPath, extract once."""
        step = json_key(name) + ("[*]" if repeats else "")
        if base.anchor is not None and base.jpath is not None:
            anchor, jpath, plural = base.anchor, base.jpath + step, base.kind == LIST or repeats
        elif base.kind == ONE:
            anchor, jpath, plural = base.sql, "$" + step, repeats
        else:
            items = self.d.typed_children(base.sql, self.fresh(), step, repeats)
            return Compiled(items, LIST, child_type)
        if plural:
            return Compiled(self.at(anchor, jpath, "many"), LIST, child_type, anchor, jpath)
        return Compiled(self.at(anchor, jpath, "one"), ONE, child_type, anchor, jpath)

    def at(self, anchor: str, jpath: str, mode: str) -> str:
        """Extract at a JSONPath; root-document paths go through the hoister (one parse)."""
        if self.hoister is not None and anchor == self.hoister.anchor:
            prefix, wildcard, rest = jpath.partition("[*]")
            if not wildcard:
                return self.hoister.text(prefix) if mode == "text" else self.hoister.json(prefix)
            anchor, jpath = self.hoister.json(prefix), "$[*]" + rest
        if mode == "many":
            return self.d.extract_many(anchor, jpath)
        if mode == "text":
            return self.d.text_at(anchor, jpath)
        return self.d.extract_one(anchor, jpath)

    def index(self, node: fp.Index, focus: Compiled, label: str) -> Compiled:
        """`base[n]` with a literal or constant integer index."""
        base = self.compile(node.base, focus, label)
        position = self.compile(node.index, focus, label)
        if position.kind != INT or not position.sql.lstrip("-").isdigit():
            raise NotCompilableError("indexer needs a constant integer")
        return Compiled(self.d.slice(self.to_list(base), int(position.sql)), LIST, base.fhir_type)

    def binary(self, node: fp.Binary, focus: Compiled, label: str) -> Compiled:
        """Boolean logic, comparisons, union and string concatenation."""
        left = self.compile(node.left, focus, label)
        right = self.compile(node.right, focus, label)
        op = node.op
        if op in ("and", "or"):
            return Compiled(
                f"({self.to_bool(left, label)} {op.upper()} {self.to_bool(right, label)})", BOOL
            )
        if op == "xor":
            return Compiled(f"({self.to_bool(left, label)} <> {self.to_bool(right, label)})", BOOL)
        if op == "implies":
            a, b = self.to_bool(left, label), self.to_bool(right, label)
            return Compiled(
                f"(CASE WHEN {a} = FALSE THEN TRUE WHEN {b} THEN TRUE WHEN {a} THEN {b} END)", BOOL
            )
        if op in _COMPARISONS:
            return self.compare(op, left, right, label)
        if op == "|":
            return Compiled(self.d.list_union(self.to_list(left), self.to_list(right)), LIST)
        if op == "&":
            a, b = self.to_scalar(left, STR), self.to_scalar(right, STR)
            return Compiled(f"(coalesce({a}, '') || coalesce({b}, ''))", STR)
        if op in ("+", "-", "*", "/", "div", "mod"):
            return self.arithmetic(op, left, right)
        if op == "in":
            return self.membership(left, right)
        if op == "contains":
            return self.membership(right, left)
        raise NotCompilableError(f"operator {op!r}")

    def comparison_kind(self, left: Compiled, right: Compiled) -> str:
        """Which SQL type the two operands are compared as (from kinds and FHIR types)."""
        kinds = {value_kind(left), value_kind(right)}
        if BOOL in kinds:
            return BOOL
        if kinds & {NUM, INT}:
            return NUM
        return STR

    def arithmetic(self, op: str, left: Compiled, right: Compiled) -> Compiled:
        """+ - * / div mod on numbers, + on strings; empty operands give empty."""
        kinds = {value_kind(left), value_kind(right)}
        if op == "+" and kinds == {STR}:
            a, b = self.to_scalar(left, STR), self.to_scalar(right, STR)
            return Compiled(f"({a} || {b})", STR, "string")
        if not kinds <= {NUM, INT}:
            raise NotCompilableError(f"operator {op!r} on operands of unknown type")
        a, b = self.to_scalar(left, NUM), self.to_scalar(right, NUM)
        if op == "div":
            return Compiled(self.d.integer_division(a, b), INT, "integer")
        if op == "mod":
            return Compiled(self.d.modulo(a, b), NUM, "decimal")
        sql = f"({a} {op} nullif({b}, 0))" if op == "/" else f"({a} {op} {b})"
        return Compiled(sql, NUM, "decimal")

    def compare(self, op: str, left: Compiled, right: Compiled, label: str) -> Compiled:
        """FHIRPath (in)equality and ordering with empty-propagation."""
        # Each operand appears several times below: costly collections are computed once.
        bindings = []
        if left.kind == LIST and self.d.worth_binding(left.sql):
            var = self.fresh()
            bindings.append((left.sql, var))
            left = Compiled(var, LIST, left.fhir_type)
        if right.kind == LIST and self.d.worth_binding(right.sql):
            var = self.fresh()
            bindings.append((right.sql, var))
            right = Compiled(var, LIST, right.fhir_type)
        result = self.compare_values(op, left, right, label)
        sql = result.sql
        for value, var in reversed(bindings):
            sql = self.d.bind(value, var, sql)
        return Compiled(sql, BOOL)

    def compare_values(self, op: str, left: Compiled, right: Compiled, label: str) -> Compiled:
        """The comparison itself, operands referenced freely."""
        want = self.comparison_kind(left, right)
        a, b = self.to_scalar(left, want), self.to_scalar(right, want)
        guards = [g for g in (self.cardinality_guard(left), self.cardinality_guard(right)) if g]
        many = " OR ".join(guards) if guards else "FALSE"
        empty = f"{self.is_empty(left)} OR {self.is_empty(right)}"
        if op in ("=", "!="):
            on_many = "FALSE" if op == "=" else "TRUE"
        else:
            on_many = self.d.error(f"{label}: comparison of a collection with several values")
        sql = (
            f"(CASE WHEN {empty} THEN NULL WHEN {many} THEN {on_many} "
            f"ELSE {a} {_COMPARISONS[op]} {b} END)"
        )
        return Compiled(sql, BOOL)

    def membership(self, item: Compiled, collection: Compiled) -> Compiled:
        """`item in collection`, comparing values as text."""
        var = self.fresh()
        values = self.d.list_map(self.to_list(collection), var, self.d.text_at(var, "$"))
        needle = self.to_scalar(item, STR)
        return Compiled(
            f"(CASE WHEN {needle} IS NULL THEN NULL "
            f"ELSE {self.d.list_contains(values, needle)} END)",
            BOOL,
        )

    # --- functions ----------------------------------------------------------------------
    def call(self, node: fp.Call, focus: Compiled, label: str) -> Compiled:
        """Dispatch a function call through the explicit registry below."""
        handler = FUNCTIONS.get(node.name)
        if handler is None:
            raise NotCompilableError(f"function {node.name}()")
        if node.name == "ofType":
            return self.of_type(node, focus, label)
        base = focus if node.base is None else self.compile(node.base, focus, label)
        return handler(self, base, node.args, label)

    def of_type(self, node: fp.Call, focus: Compiled, label: str) -> Compiled:
        """`x.ofType(T)` on a choice element reads the JSON key `x` + T."""
        base = node.base
        type_arg = node.args[0]
        assert isinstance(type_arg, fp.Member)
        type_name = type_arg.name
        if not isinstance(base, fp.Member):
            raise NotCompilableError("ofType() on something other than an element")
        parent = focus if base.base is None else self.compile(base.base, focus, label)
        key = base.name + type_name[0].upper() + type_name[1:]
        found = self.child(parent, key)
        return Compiled(found.sql, found.kind, type_name, found.anchor, found.jpath)

    def predicate(self, base: Compiled, cond: fp.Node, label: str) -> tuple[str, str]:
        """(variable, boolean SQL) for a per-item condition such as where()'s argument."""
        var = self.fresh()
        result = self.compile(cond, Compiled(var, ONE, base.fhir_type), label)
        return var, f"coalesce({self.to_bool(result, label)}, FALSE)"
