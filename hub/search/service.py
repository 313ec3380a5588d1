"""Running a checked search on a database connection: one page, its total, its includes.

Results carry the stored JSON text, so the API can splice it into a Bundle unparsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select, tuple_

from hub.search.errors import InvalidSearch
from hub.search.paging import Cursor, after_clause, encode_cursor
from hub.search.request import IncludeSpec, SearchRequest, sort_signature
from hub.search.sql import QueryContext, criterion_clause, local_reference, sort_key
from hub.store.batch import ids_in
from hub.store.schema import idx_reference, resource

__all__ = ["Hit", "SearchResult", "load_resources", "matching_ids", "run_search"]

_BATCH = 500
_MAX_ITERATE = 3


@dataclass(frozen=True)
class Hit:
    """One resource found: its key and stored JSON text."""

    resource_type: str
    resource_id: str
    content: str


@dataclass
class SearchResult:
    """One page of matches, the included resources, and the total when it was counted."""

    matches: list[Hit]
    included: list[Hit] = field(default_factory=list)
    total: int | None = None
    #: The ``_cursor`` of the next page when this one is full (keyset paging).
    next_cursor: str | None = None


def _where(request: SearchRequest, ctx: QueryContext) -> list[Any]:
    r = resource
    return [
        r.c.resource_type == request.resource_type,
        r.c.deleted.is_(False),
        *(criterion_clause(c, r, ctx) for c in request.criteria),
    ]


def _page_query(request: SearchRequest, ctx: QueryContext) -> Select[Any]:
    """One page in the request's order: after its cursor (keyset) or at its offset.

    The sort keys are computed once in a subquery and returned with each row, so the
    last row of a page can say where the next one starts.
    """
    keys = [
        sort_key(request.resource_type, param, resource).label(f"k{i}")
        for i, (param, _) in enumerate(request.sort)
    ]
    inner = (
        select(resource.c.resource_id, resource.c.content, *keys)
        .where(*_where(request, ctx))
        .subquery()
    )
    columns = [(inner.c[f"k{i}"], descending) for i, (_, descending) in enumerate(request.sort)]
    order = [c.desc().nulls_last() if d else c.asc().nulls_last() for c, d in columns]
    query = (
        select(inner.c.resource_id, inner.c.content, *(c for c, _ in columns))
        .order_by(*order, inner.c.resource_id)
        .limit(request.count + 1)  # one more than the page tells whether a next one exists
    )
    if request.cursor is None:
        return query.offset(request.offset)
    if request.cursor.sort != sort_signature(request):
        raise InvalidSearch("_cursor belongs to another _sort; start again from the first page.")
    return query.where(after_clause(columns, inner.c.resource_id, request.cursor))


def count_matches(conn: Connection, request: SearchRequest, ctx: QueryContext) -> int:
    """How many resources meet the request's criteria."""
    query = select(func.count()).select_from(resource).where(*_where(request, ctx))
    return int(conn.execute(query).scalar_one())


def run_search(conn: Connection, request: SearchRequest, ctx: QueryContext) -> SearchResult:
    """The page the request asks for, with includes and (unless ``_total=none``) the total."""
    if request.summary == "count":
        return SearchResult([], total=count_matches(conn, request, ctx))
    rows = list(conn.execute(_page_query(request, ctx)))
    more, rows = len(rows) > request.count, rows[: request.count]
    matches = [Hit(request.resource_type, row[0], row[1]) for row in rows]
    position = request.cursor.position if request.cursor else request.offset
    total: int | None = None
    if request.total != "none":
        short = len(matches) < request.count and (matches or position == 0)
        if short and request.cursor is None:
            total = request.offset + len(matches)
        else:
            total = count_matches(conn, request, ctx)
    result = SearchResult(matches, total=total)
    if more and rows:
        last = rows[-1]
        cursor = Cursor(sort_signature(request), tuple(last[2:]), last[0], position + len(rows))
        result.next_cursor = encode_cursor(cursor)
    if request.include or request.revinclude:
        result.included = _includes(conn, request, matches, ctx.base_url)
    return result


#: Up to this many keys are read in one statement whatever their types (one per type cost
#: about 1 ms each on PostgreSQL; a $everything's few Practitioners and Organizations).
_FEW = 100


def load_resources(conn: Connection, keys: Iterable[tuple[str, str]]) -> list[Hit]:
    """The current, not deleted resources of the given (type, id) keys, by type, then id."""
    keys = list(keys)
    if not keys:
        return []
    if len(keys) <= _FEW:
        r = resource
        rows = conn.execute(
            select(r.c.resource_type, r.c.resource_id, r.c.content)
            .where(tuple_(r.c.resource_type, r.c.resource_id).in_(keys), r.c.deleted.is_(False))
            .order_by(r.c.resource_type, r.c.resource_id)
        )
        return [Hit(row[0], row[1], row[2]) for row in rows]
    by_type: dict[str, list[str]] = {}
    for resource_type, resource_id in keys:
        by_type.setdefault(resource_type, []).append(resource_id)
    hits: list[Hit] = []
    for resource_type, ids in sorted(by_type.items()):
        for start in range(0, len(ids), _BATCH):
            rows = conn.execute(
                select(resource.c.resource_id, resource.c.content)
                .where(
                    resource.c.resource_type == resource_type,
                    ids_in(conn, resource.c.resource_id, ids[start : start + _BATCH]),
                    resource.c.deleted.is_(False),
                )
                .order_by(resource.c.resource_id)
            )
            hits.extend(Hit(resource_type, row[0], row[1]) for row in rows)
    return hits


def _sources_clause(conn: Connection, ref: Any, spec: IncludeSpec, sources: Sequence[Hit]) -> Any:
    """Index rows of the sources an _include follows (all of them for ``*``)."""
    if spec.param is not None:
        ids = [h.resource_id for h in sources if h.resource_type == spec.source_type]
        if not ids:
            return None
        code = spec.param.alias_of or spec.param.code
        return and_(
            ref.c.resource_type == spec.source_type,
            ref.c.param == code,
            ids_in(conn, ref.c.resource_id, ids),
        )
    if not sources:
        return None
    by_type: dict[str, list[str]] = {}
    for hit in sources:
        by_type.setdefault(hit.resource_type, []).append(hit.resource_id)
    return or_(
        *(
            and_(ref.c.resource_type == t, ids_in(conn, ref.c.resource_id, ids))
            for t, ids in sorted(by_type.items())
        )
    )


def _include_keys(
    conn: Connection, spec: IncludeSpec, sources: Sequence[Hit], base_url: str, *, reverse: bool
) -> set[tuple[str, str]]:
    ref = idx_reference
    keys: set[tuple[str, str]] = set()
    if reverse:
        targets = [h.resource_id for h in sources]
        types = {h.resource_type for h in sources}
        query = select(ref.c.resource_type, ref.c.resource_id).where(
            ref.c.target_type.in_(types), ids_in(conn, ref.c.target_id, targets)
        )
        if spec.param is not None:
            code = spec.param.alias_of or spec.param.code
            query = query.where(ref.c.resource_type == spec.source_type, ref.c.param == code)
    else:
        followed = _sources_clause(conn, ref, spec, sources)
        if followed is None:
            return keys
        query = select(ref.c.target_type, ref.c.target_id).where(
            followed, ref.c.target_id.is_not(None), ref.c.target_type.is_not(None)
        )
        if spec.target_type:
            query = query.where(ref.c.target_type == spec.target_type)
    query = query.where(local_reference(ref, base_url))
    if spec.param is not None and spec.param.alias_of and spec.param.targets:
        query = query.where(ref.c.target_type.in_(spec.param.targets))
    for row in conn.execute(query):
        keys.add((row[0], row[1]))
    return keys


def _includes(
    conn: Connection, request: SearchRequest, matches: list[Hit], base_url: str
) -> list[Hit]:
    seen = {(h.resource_type, h.resource_id) for h in matches}
    included: list[Hit] = []
    sources: list[Hit] = list(matches)
    for round_ in range(_MAX_ITERATE + 1):
        keys: set[tuple[str, str]] = set()
        for spec in request.include:
            if round_ == 0 or spec.iterate:
                keys |= _include_keys(conn, spec, sources, base_url, reverse=False)
        for spec in request.revinclude:
            if round_ == 0 or spec.iterate:
                keys |= _include_keys(conn, spec, sources, base_url, reverse=True)
        new = load_resources(conn, sorted(keys - seen)) if sources else []
        if not new:
            break
        seen |= {(h.resource_type, h.resource_id) for h in new}
        included.extend(new)
        sources = new
    return included


def matching_ids(
    conn: Connection, request: SearchRequest, ctx: QueryContext, *, limit: int = 2
) -> list[str]:
    """Up to ``limit`` ids that meet the criteria (conditional create, update and delete)."""
    query = (
        select(resource.c.resource_id)
        .where(*_where(request, ctx))
        .order_by(resource.c.resource_id)
        .limit(limit)
    )
    return [row[0] for row in conn.execute(query)]
