"""The identity state in the store, in rows, so a sync reads and writes what it touches.

A record's row (``identity_record``) holds its person row and golden person; its blocking
keys (and resident ID) sit in ``identity_block`` as digests, so the records a new one can
pair with are an indexed lookup. Links and refused links are ``identity_link`` rows, the
open review queue ``identity_review`` rows; ``identity_state`` keeps only the model, the
reviewer conflicts and the totals.

:meth:`StoreResolutionState.load_around` reads the records named, those sharing a key with
an incoming one, and closes over clusters, links, refused links and reviewer rulings (what
:func:`hub.identity.incremental.affected_region` may walk); :meth:`save_changes` writes only
the rows that differ from what was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, or_, select

from hub.identity.clustering import Clustering, Link, LinkKind, RefusedLink
from hub.identity.codec import (
    decision_from_json,
    decision_to_json,
    row_from_json,
    state_from_json,
)
from hub.identity.engine import Resolution, ReviewItem
from hub.identity.person import PersonRow
from hub.identity.schema import (
    identity_block,
    identity_link,
    identity_record,
    identity_review,
    identity_state,
)
from hub.identity.scoring import LinkageModel
from hub.identity.service import StateView, totals_of
from hub.identity.state_writes import (
    LinkRow,
    block_values,
    by_pair,
    chunks,
    link_rows,
    link_values,
    record_values,
    review_values,
    row_digests,
    save_links,
    save_queue,
    save_records,
)
from hub.store import FhirStore
from hub.store.documents import utc_now

__all__ = ["StoreResolutionState"]

_STATE = "current"


def _link_query() -> Any:
    """Every ``identity_link`` column, id first."""
    c = identity_link.c
    return select(c.link_id, c.role, c.left_key, c.right_key, c.kind, c.probability, c.reason)


def _read_links(conn: Connection, query: Any) -> dict[int, LinkRow]:
    """Link rows by id."""
    return {
        r.link_id: (r.role, r.left_key, r.right_key, r.kind, r.probability, r.reason)
        for r in conn.execute(query)
    }


def _review_item(r: Any) -> ReviewItem:
    """A review item from an ``identity_review`` row."""
    levels = tuple(orjson.loads(r.levels))
    return ReviewItem(r.left_key, r.right_key, r.probability, r.reason, levels)


def _likeliest(items: Iterable[ReviewItem]) -> list[ReviewItem]:
    """Review items likeliest first, ties by pair."""
    return sorted(items, key=lambda i: (-i.probability, i.left, i.right))


class _Reader:
    """Reads the part of the state around some records, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.records: dict[str, tuple[str, str]] = {}  # key -> (cluster id, content)
        self.links: dict[int, LinkRow] = {}

    def partners(self, incoming: Sequence[PersonRow]) -> set[str]:
        """Stored records sharing a blocking key or resident ID with an incoming row."""
        digests = {d for row in incoming for d in row_digests(row)}
        found: set[str] = set()
        for chunk in chunks(digests):
            query = select(identity_block.c.record_key).where(
                identity_block.c.key_digest.in_(chunk)
            )
            found.update(k for (k,) in self.conn.execute(query))
        return found

    def _fetch_records(self, where: Any) -> set[str]:
        """Records matching a condition; returns the keys not read before."""
        query = select(
            identity_record.c.record_key, identity_record.c.cluster_id, identity_record.c.content
        ).where(where)
        new: set[str] = set()
        for key, cluster, content in self.conn.execute(query):
            if key not in self.records:
                self.records[key] = (cluster, content)
                new.add(key)
        return new

    def _fetch_links(self, keys: set[str]) -> set[str]:
        """Link rows touching these records; returns the records at their other ends."""
        ends: set[str] = set()
        c = identity_link.c
        for chunk in chunks(keys):
            query = _link_query().where(or_(c.left_key.in_(chunk), c.right_key.in_(chunk)))
            found = _read_links(self.conn, query)
            self.links.update(found)
            ends.update(k for row in found.values() for k in row[1:3])
        return ends

    def close_over(self, seeds: set[str], ruled: Iterable[tuple[str, str]]) -> None:
        """Read the seeds and every record their clusters, links and rulings reach."""
        ruled_with: dict[str, set[str]] = {}
        for a, b in ruled:
            ruled_with.setdefault(a, set()).add(b)
            ruled_with.setdefault(b, set()).add(a)
        visited: set[str] = set()
        clusters: set[str] = set()
        frontier = set(seeds)
        while frontier:
            visited |= frontier
            new: set[str] = set()
            for chunk in chunks(frontier):
                new |= self._fetch_records(identity_record.c.record_key.in_(chunk))
            reached = {self.records[k][0] for k in new} - clusters
            clusters |= reached
            for chunk in chunks(reached):
                new |= self._fetch_records(identity_record.c.cluster_id.in_(chunk))
            visited |= new
            ends = self._fetch_links(new)
            ends.update(o for k in new for o in ruled_with.get(k, ()))
            frontier = ends - visited

    def queue(self) -> list[ReviewItem]:
        """Open review items touching the records read."""
        items: dict[tuple[str, str], ReviewItem] = {}
        c = identity_review.c
        for chunk in chunks(self.records):
            query = select(identity_review).where(
                or_(c.left_key.in_(chunk), c.right_key.in_(chunk))
            )
            items.update(
                {(r.left_key, r.right_key): _review_item(r) for r in self.conn.execute(query)}
            )
        return _likeliest(items.values())


def _resolution(
    reader: _Reader, queue: list[ReviewItem], meta: dict[str, Any]
) -> tuple[list[PersonRow], Resolution]:
    """The rows and resolution of what a reader read."""
    rows = [row_from_json(orjson.loads(reader.records[k][1])) for k in sorted(reader.records)]
    cluster_of = {k: cluster for k, (cluster, _) in reader.records.items()}
    members: dict[str, list[str]] = {}
    for key in sorted(cluster_of):
        members.setdefault(cluster_of[key], []).append(key)
    links: list[Link] = []
    refused: list[RefusedLink] = []
    for _, (role, left, right, kind, probability, reason) in sorted(reader.links.items()):
        link = Link(left, right, LinkKind(kind), probability)
        if role == "link":
            links.append(link)
        else:
            refused.append(RefusedLink(link, reason or ""))
    conflicts = tuple(decision_from_json(d) for d in meta["conflicts"])
    clustering = Clustering(
        {g: tuple(m) for g, m in members.items()}, cluster_of, tuple(refused), conflicts
    )
    issues = tuple(i for row in rows for i in row.issues)
    model = LinkageModel.from_json(meta["model"])
    return rows, Resolution(clustering, tuple(links), tuple(queue), issues, model)


class StoreResolutionState:
    """The last run in rows: records, blocking keys, links, review queue (and a summary)."""

    def __init__(self, store: FhirStore) -> None:
        """Keep state in this store's database."""
        self.store = store

    def _meta(self) -> dict[str, Any] | None:
        """The summary document, converting a first-format whole-run document on the way."""
        query = select(identity_state.c.content).where(identity_state.c.name == _STATE)
        with self.store.reading() as session:
            text = session.conn.execute(query).scalar_one_or_none()
        if text is None:
            return None
        meta: dict[str, Any] = orjson.loads(text)
        if "rows" in meta:  # the first format: the whole run in this one document
            rows, resolution = state_from_json(meta)
            self.save(rows, resolution)
            return self._meta()
        return meta

    def exists(self) -> bool:
        """Whether a run was saved."""
        query = select(identity_state.c.name).where(identity_state.c.name == _STATE)
        with self.store.reading() as session:
            return session.conn.execute(query).first() is not None

    def load(self) -> tuple[list[PersonRow], Resolution] | None:
        """The rows and resolution of the whole last run, or None before the first."""
        meta = self._meta()
        if meta is None:
            return None
        with self.store.reading() as session:
            reader = _Reader(session.conn)
            reader._fetch_records(identity_record.c.record_key.is_not(None))
            reader.links = _read_links(session.conn, _link_query())
            queue = _likeliest(map(_review_item, session.conn.execute(select(identity_review))))
        return _resolution(reader, queue, meta)

    def load_around(
        self,
        incoming: Sequence[PersonRow],
        keys: Iterable[str],
        ruled: Iterable[tuple[str, str]],
    ) -> StateView | None:
        """The part of the last run that these records can reach, or None before the first."""
        meta = self._meta()
        if meta is None:
            return None
        with self.store.reading() as session:
            reader = _Reader(session.conn)
            seeds = {*keys, *(r.record_key for r in incoming), *reader.partners(incoming)}
            reader.close_over(seeds, ruled)
            queue = reader.queue()
        rows, resolution = _resolution(reader, queue, meta)
        return StateView(rows, resolution, dict(meta["totals"]))

    def _write_meta(self, conn: Connection, resolution: Resolution, totals: dict[str, int]) -> None:
        """Replace the summary document."""
        content = {
            "format": 2,
            "model": resolution.model.to_json(),
            "conflicts": [decision_to_json(d) for d in resolution.clustering.conflicts],
            "totals": totals,
        }
        conn.execute(delete(identity_state).where(identity_state.c.name == _STATE))
        conn.execute(
            insert(identity_state).values(
                name=_STATE, saved_at=utc_now(), content=orjson.dumps(content).decode()
            )
        )

    def save(self, rows: list[PersonRow], resolution: Resolution) -> None:
        """Replace the whole last run and the review queue, in one transaction."""
        cluster_of = resolution.clustering.cluster_of
        records = [record_values(r, cluster_of[r.record_key]) for r in rows]
        links = [link_values(x) for x in link_rows(resolution)]
        queue = [review_values(i) for i in by_pair(resolution.review_queue).values()]
        with self.store.begin() as session:
            conn = session.conn
            for table in (identity_record, identity_block, identity_link, identity_review):
                conn.execute(delete(table))
            for table, values in (
                (identity_record, records),
                (identity_block, block_values(rows)),
                (identity_link, links),
                (identity_review, queue),
            ):
                if values:
                    conn.execute(insert(table), values)
            self._write_meta(conn, resolution, totals_of(resolution))

    def save_changes(
        self, view: StateView, rows: list[PersonRow], resolution: Resolution
    ) -> dict[str, int]:
        """Write only what differs from the view; returns the whole run's new totals."""
        before, after = totals_of(view.resolution), totals_of(resolution)
        totals = {k: view.totals[k] + after[k] - before[k] for k in view.totals}
        with self.store.begin() as session:
            conn = session.conn
            save_records(conn, view, rows, resolution.clustering.cluster_of)
            save_links(conn, link_rows(view.resolution), link_rows(resolution))
            save_queue(
                conn, by_pair(view.resolution.review_queue), by_pair(resolution.review_queue)
            )
            self._write_meta(conn, resolution, totals)
        return totals
