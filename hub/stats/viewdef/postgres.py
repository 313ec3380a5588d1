"""The PostgreSQL dialect: resources in a jsonb column, collections as jsonb arrays."""

from __future__ import annotations

import re

from hub.stats.viewdef.dialects import INTEGER_TYPES, Dialect, quote

__all__ = ["PostgresDialect"]

_KEY = re.compile(r'\."((?:[^"\\]|\\.)*)"')
_SQL_TYPES = {"boolean": "boolean", "decimal": "double precision"}


def _pg_path(jpath: str) -> str:
    """A wildcard-free JSONPath (`$."a"."b"`) as a `#>` path array literal."""
    keys = [k.replace('\\"', '"').replace("\\\\", "\\") for k in _KEY.findall(jpath)]
    return quote("{" + ",".join('"' + k.replace('"', '\\"') + '"' for k in keys) + "}")


class PostgresDialect(Dialect):
    """PostgreSQL 13+ over jsonb; the standard SQL/JSON path language does the navigation."""

    name = "postgres"

    def error(self, message: str, sql_type: str = "boolean") -> str:
        # Plain SQL has no raise(): a failing cast whose input is the message aborts the query.
        # clock_timestamp() keeps the planner from folding (and raising) it at plan time.
        failing = f"CAST({quote(message)} || left(clock_timestamp()::text, 0) AS integer)"
        if sql_type in ("jsonb", "list"):
            return f"to_jsonb({failing})"
        return f"CAST({failing} AS {sql_type})"

    def sql_type(self, fhir_type: str | None) -> str:
        if fhir_type is None:
            return "jsonb"
        if fhir_type in INTEGER_TYPES:
            return "bigint"
        return _SQL_TYPES.get(fhir_type, "text")

    def empty_list(self) -> str:
        return "'[]'::jsonb"

    def one_to_list(self, one: str) -> str:
        return f"(CASE WHEN {one} IS NULL THEN '[]'::jsonb ELSE jsonb_build_array({one}) END)"

    def scalar_to_list(self, scalar: str) -> str:
        return self.one_to_list(scalar)

    def list_len(self, items: str) -> str:
        return f"jsonb_array_length({items})"

    def first(self, items: str) -> str:
        return f"({items} -> 0)"

    def single(self, items: str) -> str:
        return f"(CASE WHEN jsonb_array_length({items}) = 1 THEN {items} -> 0 END)"

    def slice(self, items: str, position: int) -> str:
        index = (
            "last" if position == -1 else f"last - {-position - 1}" if position < 0 else position
        )
        return f"jsonb_path_query_array({items}, 'lax $[{index}]')"

    def bind(self, value: str, var: str, body: str) -> str:
        return f"(SELECT {body} FROM (SELECT {value} AS {var}) AS {var}_b)"

    def worth_binding(self, sql: str) -> bool:
        return "SELECT" in sql or "jsonb_path_query" in sql

    def child_of_one(self, one: str, name: str) -> str:
        # lax mode: [*] unwraps an array and wraps a single value, so both shapes work.
        return self.extract_many(one, '$."' + name.replace('"', '\\"') + '"[*]')

    def child_of_list(self, items: str, var: str, name: str) -> str:
        return self.extract_many(items, '$[*]."' + name.replace('"', '\\"') + '"[*]')

    def typed_children(self, items: str, var: str, step: str, repeats: bool) -> str:
        # one SQL/JSON path over the whole array instead of a correlated subquery
        return self.extract_many(items, "$[*]" + step)

    def _elements(self, items: str, var: str) -> str:
        return f"jsonb_array_elements({items}) WITH ORDINALITY AS {var}_t({var}, {var}_o)"

    def flat_map(self, items: str, var: str, body: str) -> str:
        inner = f"jsonb_array_elements({body}) WITH ORDINALITY AS {var}_u({var}_e, {var}_p)"
        return (
            f"(SELECT coalesce(jsonb_agg({var}_e ORDER BY {var}_o, {var}_p), '[]'::jsonb) "
            f"FROM {self._elements(items, var)} CROSS JOIN LATERAL {inner})"
        )

    def list_filter(self, items: str, var: str, cond: str) -> str:
        return (
            f"(SELECT coalesce(jsonb_agg({var} ORDER BY {var}_o), '[]'::jsonb) "
            f"FROM {self._elements(items, var)} WHERE {cond})"
        )

    def list_map(self, items: str, var: str, body: str) -> str:
        return f"ARRAY(SELECT {body} FROM {self._elements(items, var)} ORDER BY {var}_o)"

    def list_contains(self, values: str, needle: str) -> str:
        return f"({needle} = ANY({values}))"

    def list_union(self, left: str, right: str) -> str:
        return (
            "(SELECT coalesce(jsonb_agg(DISTINCT _u.value), '[]'::jsonb) "
            f"FROM jsonb_array_elements({left} || {right}) AS _u)"
        )

    def list_concat(self, parts: list[str]) -> str:
        return "(" + " || ".join(parts) + ")"

    def extract_one(self, anchor: str, jpath: str) -> str:
        return f"({anchor} #> {_pg_path(jpath)})"

    def extract_many(self, anchor: str, jpath: str) -> str:
        return f"coalesce(jsonb_path_query_array({anchor}, {quote('lax ' + jpath)}), '[]'::jsonb)"

    def text_at(self, anchor: str, jpath: str) -> str:
        return f"({anchor} #>> {_pg_path(jpath)})"

    def cast_text(self, text: str, want: str) -> str:
        if want == "num":
            return (
                f"(CASE WHEN {text} ~ '^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$' "
                f"THEN ({text})::double precision END)"
            )
        if want == "bool":
            return f"(CASE {text} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END)"
        return text

    def cast_scalar(self, sql: str, kind: str, want: str) -> str:
        if kind == want or (want == "num" and kind == "int"):
            return sql
        target = {"str": "text", "num": "double precision", "bool": "boolean"}[want]
        return f"CAST({sql} AS {target})"

    def json_truthy(self, one: str) -> str:
        return (
            f"(CASE WHEN {one} IS NULL THEN NULL WHEN jsonb_typeof({one}) = 'boolean' "
            f"THEN {one} = 'true'::jsonb ELSE TRUE END)"
        )

    def json_is_boolean(self, one: str) -> str:
        return f"(jsonb_typeof({one}) = 'boolean')"

    def json_field_text(self, one: str, name: str) -> str:
        return f"({one} ->> {quote(name)})"

    def reference_key(self, text: str, type_name: str | None) -> str:
        # String splitting, not one unanchored regex: PostgreSQL's regex engine took ~90 us a
        # row on `(?:^|/)(Type)/(id)...$`, most of a view's time; anchored checks are cheap.
        reversed_base = f"reverse(split_part({text}, '/_history/', 1))"
        key = f"reverse(split_part({reversed_base}, '/', 1))"
        kind = f"reverse(split_part({reversed_base}, '/', 2))"
        kind_ok = f"{kind} = {quote(type_name)}" if type_name else f"{kind} ~ '^[A-Za-z]+$'"
        return f"(CASE WHEN {kind_ok} AND {key} ~ '^[A-Za-z0-9.-]{{1,64}}$' THEN {key} END)"

    def reference_keys(self, references: str, var: str, type_name: str | None) -> str:
        key = self.reference_key(f"({var} #>> '{{}}')", type_name)
        return (
            f"(SELECT coalesce(jsonb_agg(to_jsonb({var}_k) ORDER BY {var}_o), '[]'::jsonb) "
            f"FROM {self._elements(references, var)} CROSS JOIN LATERAL "
            f"(SELECT {key} AS {var}_k) AS {var}_x WHERE {var}_k IS NOT NULL)"
        )

    def or_null(self, items: str) -> str:
        return f"(CASE WHEN jsonb_array_length({items}) = 0 THEN '[null]'::jsonb ELSE {items} END)"

    def unnest_join(self, items: str, alias: str) -> tuple[str, str, str]:
        join = f"CROSS JOIN LATERAL jsonb_array_elements({items}) WITH ORDINALITY AS {alias}(f, n)"
        return join, f"{alias}.f", f"({alias}.n - 1)"

    def output(self, text: str, fhir_type: str) -> str:
        sql_type = self.sql_type(fhir_type)
        return text if sql_type == "text" else f"({text})::{sql_type}"

    def scalar_output(self, sql: str, kind: str, fhir_type: str | None) -> str:
        if fhir_type is None or (fhir_type == "boolean" and kind == "bool"):
            return sql
        return f"CAST({sql} AS {self.sql_type(fhir_type)})"

    def last_day_of_month(self, year_month: str) -> str:
        first = f"(({year_month} || '-01')::date)"
        return f"to_char(({first} + interval '1 month - 1 day')::date, 'YYYY-MM-DD')"

    def regex_group(self, text: str, pattern: str) -> str:
        return f"coalesce(substring({text} from {quote(pattern)}), '')"

    def integer_division(self, left: str, right: str) -> str:
        return f"CAST(trunc({left} / nullif({right}, 0)) AS bigint)"

    def modulo(self, left: str, right: str) -> str:
        left_n, right_n = f"({left})::numeric", f"nullif({right}, 0)::numeric"
        return f"(mod({left_n}, {right_n}))::double precision"

    def keyed_start(self, items: str, var: str) -> str:
        key = f"lpad(({var}_o - 1)::text, 6, '0')"
        return (
            f"(SELECT coalesce(jsonb_agg(jsonb_build_object('k', {key}, 'v', {var}) "
            f"ORDER BY {var}_o), '[]'::jsonb) FROM {self._elements(items, var)})"
        )

    def keyed_next(self, keyed: str, var: str, children: str) -> str:
        key = f"({var} ->> 'k') || '.' || lpad(({var}_p - 1)::text, 6, '0')"
        inner = f"jsonb_array_elements({children}) WITH ORDINALITY AS {var}_u({var}_e, {var}_p)"
        return (
            f"(SELECT coalesce(jsonb_agg(jsonb_build_object('k', {key}, 'v', {var}_e) "
            f"ORDER BY {var}_o, {var}_p), '[]'::jsonb) "
            f"FROM {self._elements(keyed, var)} CROSS JOIN LATERAL {inner})"
        )

    def keyed_value(self, var: str) -> str:
        return f"({var} -> 'v')"

    def keyed_sorted(self, levels: list[str]) -> str:
        # COLLATE "C": byte order, so '.' sorts before digits whatever the database locale
        return (
            "(SELECT coalesce(jsonb_agg(_k.value ORDER BY _k.value ->> 'k' COLLATE \"C\"), "
            f"'[]'::jsonb) FROM jsonb_array_elements({self.list_concat(levels)}) AS _k)"
        )
