"""SQL building blocks per engine: DuckDB (JSON, JSON[] lists) and PostgreSQL (jsonb arrays)."""

from __future__ import annotations

__all__ = ["INTEGER_TYPES", "Dialect", "DuckDBDialect", "json_key", "quote"]

INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def json_key(name: str) -> str:
    """A JSONPath member step with the key quoted."""
    return '."' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Dialect:
    """Primitive operations the expression and view compilers are built from (DuckDB here)."""

    name = "duckdb"

    def string(self, text: str) -> str:
        """A string literal."""
        return quote(text)

    def ident(self, name: str) -> str:
        """A quoted identifier."""
        return '"' + name.replace('"', '""') + '"'

    def error(self, message: str, sql_type: str = "BOOLEAN") -> str:
        """An expression of `sql_type` ("list" for a collection) that aborts with `message`."""
        return f"error({quote(message)})"

    def sql_type(self, fhir_type: str | None) -> str:
        """The SQL type a column of this FHIR primitive type gets (JSON when unknown)."""
        if fhir_type is None:
            return "JSON"
        if fhir_type in INTEGER_TYPES:
            return "BIGINT"
        return {"boolean": "BOOLEAN", "decimal": "DOUBLE"}.get(fhir_type, "VARCHAR")

    def empty_list(self) -> str:
        """The empty collection."""
        return "[]::JSON[]"

    def one_to_list(self, one: str) -> str:
        """A single JSON value (NULL = empty) as a collection."""
        return f"(CASE WHEN {one} IS NULL THEN {self.empty_list()} ELSE [{one}] END)"

    def scalar_to_list(self, scalar: str) -> str:
        """A SQL scalar (NULL = empty) as a collection."""
        return f"(CASE WHEN {scalar} IS NULL THEN {self.empty_list()} ELSE [to_json({scalar})] END)"

    def bind(self, value: str, var: str, body: str) -> str:
        """Evaluate `value` once and use it as `var` in `body` (a one-item lambda)."""
        return f"list_transform([{value}], lambda {var}: {body})[1]"

    def worth_binding(self, sql: str) -> bool:
        """Whether repeating `sql` costs enough to bind it once instead."""
        return "lambda" in sql

    def list_len(self, items: str) -> str:
        """Number of items in a collection."""
        return f"len({items})"

    def single(self, items: str) -> str:
        """The only item of a collection, NULL unless it holds exactly one."""
        return f"(CASE WHEN len({items}) = 1 THEN {items}[1] END)"

    def slice(self, items: str, position: int) -> str:
        """The item at a 0-based position (negative counts from the end) as a collection."""
        if position < 0:
            return f"{items}[{position}:{position}]"
        return f"{items}[{position + 1}:{position + 1}]"

    def child_of_one(self, one: str, name: str) -> str:
        """Children named `name` of one JSON value, arrays flattened, nulls dropped."""
        path = quote("$" + json_key(name))
        many = quote("$" + json_key(name) + "[*]")
        return (
            f"(CASE coalesce(json_type({one}, {path}), 'NULL') "
            f"WHEN 'ARRAY' THEN json_extract({one}, {many}) WHEN 'NULL' THEN {self.empty_list()} "
            f"ELSE [json_extract({one}, {path})] END)"
        )

    def child_of_list(self, items: str, var: str, name: str) -> str:
        """Children named `name` of every item of a collection."""
        return f"flatten(list_transform({items}, lambda {var}: {self.child_of_one(var, name)}))"

    def typed_children(self, items: str, var: str, step: str, repeats: bool) -> str:
        """A JSONPath step (`."name"` or `."name"[*]`) applied to every item of a collection."""
        if repeats:
            return self.flat_map(items, var, self.extract_many(var, "$" + step))
        return self.flat_map(items, var, self.one_to_list(self.extract_one(var, "$" + step)))

    def flat_map(self, items: str, var: str, body: str) -> str:
        """Concatenate `body` (a collection) evaluated for every item bound to `var`."""
        return f"flatten(list_transform({items}, lambda {var}: {body}))"

    def list_filter(self, items: str, var: str, cond: str) -> str:
        """Items for which `cond` holds."""
        return f"list_filter({items}, lambda {var}: {cond})"

    def list_map(self, items: str, var: str, body: str) -> str:
        """A SQL list of `body` per item (not a JSON collection)."""
        return f"list_transform({items}, lambda {var}: {body})"

    def list_contains(self, values: str, needle: str) -> str:
        """Whether a SQL list (from list_map) contains `needle`."""
        return f"list_contains({values}, {needle})"

    def list_join(self, values: str, separator: str) -> str:
        """Join a SQL list of strings."""
        return f"array_to_string({values}, {quote(separator)})"

    def list_union(self, left: str, right: str) -> str:
        """FHIRPath `|`: both collections, duplicates removed."""
        return f"list_distinct(list_concat({left}, {right}))"

    def list_concat(self, parts: list[str]) -> str:
        """Concatenate collections, keeping duplicates."""
        sql = parts[0]
        for part in parts[1:]:
            sql = f"list_concat({sql}, {part})"
        return sql

    def extract_one(self, anchor: str, jpath: str) -> str:
        """The JSON value at a JSONPath without wildcards (NULL when absent)."""
        return f"json_extract({anchor}, {quote(jpath)})"

    def extract_many(self, anchor: str, jpath: str) -> str:
        """All JSON values at a JSONPath with wildcards, as a collection."""
        return f"coalesce(json_extract({anchor}, {quote(jpath)}), {self.empty_list()})"

    def text_at(self, anchor: str, jpath: str) -> str:
        """The JSON value at a JSONPath as text (strings unquoted)."""
        return f"json_extract_string({anchor}, {quote(jpath)})"

    def cast_text(self, text: str, want: str) -> str:
        """JSON text as a SQL scalar of kind `want` ("str", "num" or "bool")."""
        if want == "num":
            return f"TRY_CAST({text} AS DOUBLE)"
        if want == "bool":
            return f"(CASE {text} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)"
        return text

    def cast_scalar(self, sql: str, kind: str, want: str) -> str:
        """Convert a SQL scalar between kinds for comparison."""
        if kind == want or (want == "num" and kind == "int"):
            return sql
        target = {"str": "VARCHAR", "num": "DOUBLE", "bool": "BOOLEAN"}[want]
        return f"TRY_CAST({sql} AS {target})"

    def json_truthy(self, one: str) -> str:
        """Singleton evaluation of one JSON value as Boolean."""
        return (
            f"(CASE WHEN {one} IS NULL THEN NULL WHEN json_type({one}) = 'BOOLEAN' "
            f"THEN json_extract_string({one}, '$') = 'true' ELSE TRUE END)"
        )

    def list_truthy(self, items: str, message: str) -> str:
        """Singleton evaluation of a collection as Boolean."""
        return (
            f"(CASE {self.list_len(items)} WHEN 0 THEN NULL WHEN 1 THEN "
            f"{self.json_truthy(self.first(items))} ELSE {self.error(message)} END)"
        )

    def first(self, items: str) -> str:
        """The first item (NULL when empty)."""
        return f"{items}[1]"

    def json_is_boolean(self, one: str) -> str:
        """Whether a JSON value is a JSON boolean."""
        return f"(json_type({one}) = 'BOOLEAN')"

    def json_field_text(self, one: str, name: str) -> str:
        """A member of a JSON object as text."""
        return f"json_extract_string({one}, {quote('$' + json_key(name))})"

    def reference_key(self, text: str, type_name: str | None) -> str:
        """getReferenceKey() of one reference string: its id part, optionally of one type."""
        kind = type_name or "[A-Za-z]+"
        pattern = quote(f"(?:^|/)({kind})/([A-Za-z0-9.-]{{1,64}})(?:/_history/[^/]+)?$")
        return f"nullif(regexp_extract({text}, {pattern}, 2), '')"

    def reference_keys(self, references: str, var: str, type_name: str | None) -> str:
        """getReferenceKey() of a collection of reference strings, as a collection."""
        key = self.reference_key(f"json_extract_string({var}, '$')", type_name)
        mapped = f"list_transform({references}, lambda {var}: to_json({key}))"
        return f"list_filter({mapped}, lambda {var}: {var} IS NOT NULL)"

    # repeat: items carry a text key of zero-padded positions ("000001.000000") so that
    # sorting the keys gives the depth-first pre-order the specification uses.
    def keyed_start(self, items: str, var: str) -> str:
        """The first repeat level: each item keyed by its position."""
        key = f"lpad(CAST({var}_p - 1 AS VARCHAR), 6, '0')"
        return f"list_transform({items}, lambda {var}, {var}_p: {{'k': {key}, 'v': {var}}})"

    def keyed_next(self, keyed: str, var: str, children: str) -> str:
        """The next level: `children` (SQL over keyed_value(var)) keyed under their parent."""
        key = f"{var}.k || '.' || lpad(CAST({var}_p - 1 AS VARCHAR), 6, '0')"
        inner = f"list_transform({children}, lambda {var}_e, {var}_p: {{'k': {key}, 'v': {var}_e}})"
        return f"flatten(list_transform({keyed}, lambda {var}: {inner}))"

    def keyed_value(self, var: str) -> str:
        """The JSON value of a keyed item."""
        return f"struct_extract({var}, 'v')"

    def keyed_sorted(self, levels: list[str]) -> str:
        """All levels in depth-first pre-order."""
        return f"list_sort({self.list_concat(levels)})"

    def or_null(self, items: str) -> str:
        """forEachOrNull: the collection, or one empty focus when it is empty."""
        return f"(CASE WHEN len({items}) = 0 THEN [NULL::JSON] ELSE {items} END)"

    def unnest_join(self, items: str, alias: str) -> tuple[str, str, str]:
        """A lateral join with one row per item: (join SQL, item column, 0-based position)."""
        unnest = "SELECT unnest(_l) AS f, unnest(range(len(_l))) AS i"
        join = f"CROSS JOIN LATERAL ({unnest} FROM (SELECT {items} AS _l) AS _s) AS {alias}"
        return join, f"{alias}.f", f"{alias}.i"

    def lateral_value(self, sql: str, alias: str) -> tuple[str, str]:
        """A lateral join computing one value once per row; returns (join SQL, column)."""
        return f"CROSS JOIN LATERAL (SELECT {sql} AS v) AS {alias}", f"{alias}.v"

    def output(self, text: str, fhir_type: str) -> str:
        """JSON text as the column's SQL type."""
        if fhir_type == "boolean":
            return f"TRY_CAST({text} AS BOOLEAN)"
        if fhir_type in INTEGER_TYPES:
            return f"TRY_CAST({text} AS BIGINT)"
        if fhir_type == "decimal":
            return f"TRY_CAST({text} AS DOUBLE)"
        return text

    def scalar_output(self, sql: str, kind: str, fhir_type: str | None) -> str:
        """A SQL scalar as the column's SQL type."""
        if fhir_type is None or (fhir_type == "boolean" and kind == "bool"):
            return sql
        target = "BOOLEAN" if fhir_type == "boolean" else "VARCHAR"
        if fhir_type in INTEGER_TYPES:
            target = "BIGINT"
        elif fhir_type == "decimal":
            target = "DOUBLE"
        return f"TRY_CAST({sql} AS {target})"

    def integer_division(self, left: str, right: str) -> str:
        """FHIRPath `div`: truncated integer division, empty on division by zero."""
        return f"CAST(trunc({left} / nullif({right}, 0)) AS BIGINT)"

    def modulo(self, left: str, right: str) -> str:
        """FHIRPath `mod`, empty on division by zero."""
        return f"fmod({left}, nullif({right}, 0))"

    def last_day_of_month(self, year_month: str) -> str:
        """'YYYY-MM' text -> the month's last day as 'YYYY-MM-DD'."""
        return f"strftime(last_day(CAST({year_month} || '-01' AS DATE)), '%Y-%m-%d')"

    def regex_group(self, text: str, pattern: str) -> str:
        """The first capture group of `pattern` in `text`, '' when it does not match."""
        return f"regexp_extract({text}, {quote(pattern)}, 1)"

    def one_row(self) -> str:
        """A FROM clause with one row, used under unionAll branches."""
        return "(SELECT 1) AS _one"


class DuckDBDialect(Dialect):
    """DuckDB with its built-in JSON functions (no extension to install)."""
