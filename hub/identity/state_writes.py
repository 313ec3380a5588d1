"""The identity state's rows: their values, and writing only those that changed.

Helpers of :mod:`hub.identity.store_state`: a record's row and blocking-key digests, link
and review rows, and the writes that turn what a run read into what it produced.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert

from hub.identity.codec import row_to_json
from hub.identity.engine import Resolution, ReviewItem
from hub.identity.model import blocking_keys
from hub.identity.person import PersonRow
from hub.identity.schema import identity_block, identity_link, identity_record, identity_review
from hub.identity.service import StateView
from hub.store.documents import utc_now

__all__ = [
    "CHUNK",
    "LinkRow",
    "block_values",
    "by_pair",
    "chunks",
    "link_rows",
    "link_values",
    "record_values",
    "review_values",
    "row_digests",
    "save_links",
    "save_queue",
    "save_records",
]

CHUNK = 500  # keys per IN (...): well under SQLite's and PostgreSQL's parameter limits
LinkRow = tuple[str, str, str, str, float, str | None]  # role, left, right, kind, p, reason


def row_digests(row: PersonRow) -> set[str]:
    """Digests of the keys a row pairs on: its blocking keys and its resident ID."""
    keys = [(str(rule), *parts) for rule, parts in blocking_keys(row)]
    if row.resident_id:
        keys.append(("resident-id", row.resident_id))
    return {hashlib.sha256("\x1f".join(k).encode()).hexdigest() for k in keys}


def chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """Values in lists small enough for one IN (...)."""
    items = sorted(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def link_rows(resolution: Resolution) -> list[LinkRow]:
    """A resolution's links and refused links as ``identity_link`` rows."""
    rows: list[LinkRow] = [
        ("link", x.left, x.right, x.kind.value, x.probability, None) for x in resolution.links
    ]
    rows += [
        ("refused", r.link.left, r.link.right, r.link.kind.value, r.link.probability, r.reason)
        for r in resolution.clustering.refused
    ]
    return rows


def link_values(row: LinkRow) -> dict[str, Any]:
    """An ``identity_link`` row's column values."""
    role, left, right, kind, probability, reason = row
    return {
        "role": role,
        "left_key": left,
        "right_key": right,
        "kind": kind,
        "probability": probability,
        "reason": reason,
    }


def by_pair(items: Iterable[ReviewItem]) -> dict[tuple[str, str], ReviewItem]:
    """Review items by pair (the table keeps one per pair)."""
    return {(i.left, i.right): i for i in items}


def review_values(item: ReviewItem) -> dict[str, Any]:
    """An ``identity_review`` row's column values."""
    return {
        "left_key": item.left,
        "right_key": item.right,
        "probability": item.probability,
        "reason": item.reason,
        "levels": orjson.dumps(list(item.levels)).decode(),
    }


def record_values(row: PersonRow, cluster_id: str) -> dict[str, Any]:
    """An ``identity_record`` row's column values."""
    return {
        "record_key": row.record_key,
        "cluster_id": cluster_id,
        "content": orjson.dumps(row_to_json(row)).decode(),
        "updated_at": utc_now(),
    }


def block_values(rows: Iterable[PersonRow]) -> list[dict[str, Any]]:
    """The ``identity_block`` rows of these person rows."""
    return [
        {"key_digest": digest, "record_key": row.record_key}
        for row in rows
        for digest in sorted(row_digests(row))
    ]


def save_records(
    conn: Connection, view: StateView, rows: list[PersonRow], cluster_of: dict[str, str]
) -> None:
    """Insert new and changed person rows (with their keys); move re-clustered ones."""
    old_rows = {r.record_key: r for r in view.rows}
    old_cluster = view.resolution.clustering.cluster_of
    changed = [r for r in rows if old_rows.get(r.record_key) != r]
    moved = [
        r.record_key
        for r in rows
        if r.record_key in old_rows
        and old_rows[r.record_key] == r
        and old_cluster.get(r.record_key) != cluster_of[r.record_key]
    ]
    stale = [r.record_key for r in changed if r.record_key in old_rows]
    for chunk in chunks(stale):
        conn.execute(delete(identity_record).where(identity_record.c.record_key.in_(chunk)))
        conn.execute(delete(identity_block).where(identity_block.c.record_key.in_(chunk)))
    if changed:
        conn.execute(
            insert(identity_record), [record_values(r, cluster_of[r.record_key]) for r in changed]
        )
        conn.execute(insert(identity_block), block_values(changed))
    by_cluster: dict[str, list[str]] = {}
    for key in moved:
        by_cluster.setdefault(cluster_of[key], []).append(key)
    now = utc_now()
    for cluster, keys in by_cluster.items():
        for chunk in chunks(keys):
            conn.execute(
                identity_record.update()
                .where(identity_record.c.record_key.in_(chunk))
                .values(cluster_id=cluster, updated_at=now)
            )


def save_links(conn: Connection, old: list[LinkRow], new: list[LinkRow]) -> None:
    """Replace the link rows of every (role, pair, kind) whose rows differ."""

    def grouped(rows: list[LinkRow]) -> dict[tuple[str, str, str, str], list[LinkRow]]:
        groups: dict[tuple[str, str, str, str], list[LinkRow]] = {}
        for row in rows:
            groups.setdefault(row[:4], []).append(row)
        return {k: sorted(v, key=repr) for k, v in groups.items()}

    before, after = grouped(old), grouped(new)
    c = identity_link.c
    for group in set(before) | set(after):
        if before.get(group) == after.get(group):
            continue
        role, left, right, kind = group
        conn.execute(
            delete(identity_link).where(
                c.role == role, c.left_key == left, c.right_key == right, c.kind == kind
            )
        )
        if after.get(group):
            conn.execute(insert(identity_link), [link_values(r) for r in after[group]])


def save_queue(
    conn: Connection,
    before: dict[tuple[str, str], ReviewItem],
    after: dict[tuple[str, str], ReviewItem],
) -> None:
    """Delete review items gone or changed, insert the new and changed ones."""
    c = identity_review.c
    for pair in [p for p in before if before[p] != after.get(p)]:
        conn.execute(delete(identity_review).where(c.left_key == pair[0], c.right_key == pair[1]))
    added = [review_values(i) for p, i in after.items() if before.get(p) != i]
    if added:
        conn.execute(insert(identity_review), added)
