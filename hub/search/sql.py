"""Search criteria as SQLAlchemy Core clauses over the index tables (SQLite and PostgreSQL).

Each criterion becomes ``resource_id IN (SELECT resource_id FROM idx_<type> WHERE ...)``
(or ``NOT IN`` for ``:not`` and ``:missing=true``): the index lookup uses the
(resource_type, param, value) indexes on both databases. Index rows exist only for the
current, not deleted version of a resource, so the subqueries need no join to ``resource``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    false,
    func,
    not_,
    or_,
    select,
    true,
)

from hub.search.errors import InvalidSearch
from hub.search.extract import normalise_string
from hub.search.parameters import SearchParameter
from hub.search.request import ID_PARAM, LAST_UPDATED_PARAM, Criterion
from hub.search.values import (
    approximate_range,
    parse_date_value,
    parse_number_value,
    parse_reference_value,
    parse_token_value,
)
from hub.store.schema import INDEX_TABLES, resource

__all__ = ["QueryContext", "criterion_clause", "local_reference", "sort_key", "type_ids"]

_TABLE_OF = {"uri": "token", "number": "quantity"}


@dataclass(frozen=True)
class QueryContext:
    """What value parsing needs besides the values: our base URL and the present moment."""

    base_url: str
    now: datetime


def _table(param: SearchParameter) -> Any:
    return INDEX_TABLES[_TABLE_OF.get(param.type, param.type)]


def _indexed_code(param: SearchParameter) -> str:
    return param.alias_of or param.code


def local_reference(table: Any, base_url: str) -> ColumnElement[bool]:
    """Rows that refer to a resource on this server (relative, or under our base URL).

    An absolute reference to another server is indexed with the same type and id as a
    local one; only the URL tells them apart.
    """
    return or_(
        table.c.target_url.is_(None),
        table.c.target_url.startswith(base_url.rstrip("/") + "/", autoescape=True),
    )


def date_condition(
    prefix: str, low_value: datetime, high_value: datetime, low: Any, high: Any, now: datetime
) -> ColumnElement[bool]:
    """FHIR date comparison of an indexed [low, high] (None = open) with a value's range."""
    contained = and_(low >= low_value, high <= high_value)
    starts_before = or_(low.is_(None), low < low_value)
    ends_after = or_(high.is_(None), high > high_value)
    if prefix == "eq":
        return contained
    if prefix == "ne":
        return or_(starts_before, ends_after)
    if prefix == "gt":
        return ends_after
    if prefix == "lt":
        return starts_before
    if prefix == "ge":
        return or_(ends_after, contained)
    if prefix == "le":
        return or_(starts_before, contained)
    if prefix == "sa":
        return and_(low > high_value)
    if prefix == "eb":
        return and_(high < low_value)
    wide_low, wide_high = approximate_range(low_value, high_value, now)
    return and_(or_(low.is_(None), low <= wide_high), or_(high.is_(None), high >= wide_low))


def _token(table: Any, criterion: Criterion, value: str, _ctx: QueryContext) -> Any:
    has_system, system, code = parse_token_value(value)
    parts = []
    if code is not None:
        parts.append(table.c.code == code)
    if has_system:
        parts.append(table.c.system == system if system else table.c.system.is_(None))
    return and_(*parts) if parts else false()


def _string(table: Any, criterion: Criterion, value: str, _ctx: QueryContext) -> Any:
    if criterion.modifier == "exact":
        return table.c.exact == value
    needle = normalise_string(value)
    if criterion.modifier == "contains":
        return table.c.value.contains(needle, autoescape=True)
    if criterion.modifier == "text":
        return _words(table.c.value, needle.split())
    return table.c.value.startswith(needle, autoescape=True)


def _words(column: Any, words: list[str]) -> Any:
    """``:text``: every word of the value starts a word (after a space) of the indexed text."""
    if not words:
        return false()
    return and_(
        *(
            or_(column.startswith(w, autoescape=True), column.contains(" " + w, autoescape=True))
            for w in words
        )
    )


def _date(table: Any, criterion: Criterion, value: str, ctx: QueryContext) -> Any:
    prefix, (low, high) = parse_date_value(criterion.param.code, value)
    return date_condition(prefix, low, high, table.c.low, table.c.high, ctx.now)


def _number(table: Any, criterion: Criterion, value: str, _ctx: QueryContext) -> Any:
    quantity = criterion.param.type == "quantity"
    parsed = parse_number_value(criterion.param.code, value, quantity=quantity)
    column, v = table.c.value, parsed.value
    conditions = {
        "eq": and_(column >= parsed.low, column < parsed.high),
        "ne": or_(column < parsed.low, column >= parsed.high),
        "gt": column > v,
        "sa": column > v,
        "lt": column < v,
        "eb": column < v,
        "ge": column >= v,
        "le": column <= v,
        "ap": and_(column >= v - abs(v) / 10, column <= v + abs(v) / 10),
    }
    parts = [conditions[parsed.prefix]]
    if parsed.system:
        parts.append(table.c.system == parsed.system)
    if parsed.code:
        parts.append(table.c.code == parsed.code)
    return and_(*parts)


def _reference(table: Any, criterion: Criterion, value: str, ctx: QueryContext) -> Any:
    parsed = parse_reference_value(value, ctx.base_url)
    if parsed.url is not None:
        return table.c.target_url == parsed.url
    parts = [table.c.target_id == parsed.target_id, local_reference(table, ctx.base_url)]
    if parsed.target_type is not None:
        parts.append(table.c.target_type == parsed.target_type)
    if criterion.modifier:
        parts.append(table.c.target_type == criterion.modifier)
    return and_(*parts)


_VALUE_MATCHERS = {
    "token": _token,
    "uri": _token,
    "string": _string,
    "date": _date,
    "number": _number,
    "quantity": _number,
    "reference": _reference,
}


def _rows_of(criterion: Criterion, *conditions: Any) -> Select[Any]:
    """``SELECT resource_id`` of the criterion's index rows that meet the conditions."""
    param, table = criterion.param, _table(criterion.param)
    query = select(table.c.resource_id).where(
        table.c.resource_type == criterion.resource_type,
        table.c.param == _indexed_code(param),
        *conditions,
    )
    if param.alias_of and param.targets and param.type == "reference":
        query = query.where(table.c.target_type.in_(param.targets))
    return query


def type_ids(resource_type: str, criterion: Criterion, ctx: QueryContext) -> Select[Any]:
    """Ids of live resources of a type that meet one criterion (for chains and _has)."""
    inner = resource.alias()
    return select(inner.c.resource_id).where(
        inner.c.resource_type == resource_type,
        inner.c.deleted.is_(False),
        criterion_clause(criterion, inner, ctx),
    )


def _special(criterion: Criterion, r: FromClause, ctx: QueryContext) -> ColumnElement[bool]:
    if criterion.modifier == "missing":
        return false() if criterion.values == ("true",) else true()
    if criterion.param is ID_PARAM:
        clause: ColumnElement[bool] = r.c.resource_id.in_(criterion.values)
        return not_(clause) if criterion.modifier == "not" else clause
    conditions = []
    for value in criterion.values:
        prefix, (low, high) = parse_date_value("_lastUpdated", value)
        column = r.c.last_updated
        conditions.append(date_condition(prefix, low, high, column, column, ctx.now))
    return or_(*conditions)


def criterion_clause(criterion: Criterion, r: FromClause, ctx: QueryContext) -> ColumnElement[bool]:
    """The WHERE clause that one criterion adds to a query over the resource table ``r``."""
    if criterion.param is ID_PARAM or criterion.param is LAST_UPDATED_PARAM:
        return _special(criterion, r, ctx)
    if criterion.has is not None:
        source_type, ref, inner = criterion.has
        table = INDEX_TABLES["reference"]
        sources = select(table.c.target_id).where(
            table.c.resource_type == source_type,
            table.c.param == _indexed_code(ref),
            table.c.target_type == criterion.resource_type,
            local_reference(table, ctx.base_url),
            table.c.resource_id.in_(type_ids(source_type, inner, ctx)),
        )
        return r.c.resource_id.in_(sources)
    if criterion.chain:
        table = INDEX_TABLES["reference"]
        targets = [
            and_(
                table.c.target_type == c.resource_type,
                table.c.target_id.in_(type_ids(c.resource_type, c, ctx)),
            )
            for c in criterion.chain
        ]
        local = local_reference(table, ctx.base_url)
        return r.c.resource_id.in_(_rows_of(criterion, local, or_(*targets)))
    if criterion.modifier == "missing":
        present = r.c.resource_id.in_(_rows_of(criterion))
        return not_(present) if criterion.values == ("true",) else present
    matcher = _VALUE_MATCHERS[criterion.param.type]
    table = _table(criterion.param)
    conditions = [matcher(table, criterion, v, ctx) for v in criterion.values]
    matching = r.c.resource_id.in_(_rows_of(criterion, or_(*conditions)))
    return not_(matching) if criterion.modifier == "not" else matching


def sort_key(resource_type: str, param: SearchParameter, r: FromClause) -> ColumnElement[Any]:
    """The value a parameter sorts by: the smallest indexed value (a date's start)."""
    if param is ID_PARAM:
        return r.c.resource_id
    if param is LAST_UPDATED_PARAM:
        return r.c.last_updated
    table = _table(param)
    column = {"date": "low", "token": "code", "uri": "code"}.get(param.type, "value")
    if param.type == "reference":
        raise InvalidSearch(f"_sort: cannot sort by the reference parameter {param.code}.")
    return (
        select(func.min(table.c[column]))
        .where(
            table.c.resource_type == resource_type,
            table.c.resource_id == r.c.resource_id,
            table.c.param == _indexed_code(param),
        )
        .scalar_subquery()
    )
