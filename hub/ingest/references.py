"""Parking: a record whose resources point at resources that exist nowhere is held back.

Integration engines call it parking. A child record (a follow-up, a contact) whose parent
(the registration, the case) was quarantined, or has not arrived yet, would otherwise be
stored with references to resources that do not exist. Instead it is quarantined whole at
stage ``references``, naming the missing target, and released once the target exists
(``hub.ingest.parking``).

The functions here are pure except ``existing_references`` (one batched read).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from hub.ingest.targets import outgoing_references, own_references
from hub.ingest.work import PageResult, Reason
from hub.store.batch import ids_by_type, ids_in
from hub.store.schema import resource

__all__ = [
    "MISSING_CHECK",
    "REFERENCE_STAGE",
    "existing_references",
    "missing_reason",
    "outgoing_references",
    "own_references",
    "park_dangling",
    "parked_targets",
    "unresolved",
]

REFERENCE_STAGE = "references"
MISSING_CHECK = "missing_target"
#: Pairs per existence query; keeps SQLite well under its bound-parameter limit.
_QUERY_BATCH = 5000
#: Targets named in one quarantine message; the rest are counted.
_NAMED = 3


def unresolved(
    outputs: Mapping[int, Sequence[dict[str, Any]]],
    existing: Collection[str],
    outgoing: Mapping[int, set[str]] | None = None,
) -> dict[int, list[str]]:
    """Position -> the targets (sorted) of its record that will not exist, for records to park.

    A target exists when it is in ``existing`` (the store) or among the resources of a record
    of the same output that is not parked itself; parking one record can strand another that
    points at it, so this repeats until nothing more is parked. ``outgoing``: each position's
    ``outgoing_references``, when the mapping already found them.
    """
    wanted = {
        position: outgoing[position] if outgoing is not None else outgoing_references(res)
        for position, res in outputs.items()
    }
    owned = {position: own_references(res) for position, res in outputs.items()}
    parked: dict[int, list[str]] = {}
    while True:
        available = set(existing).union(*(owned[p] for p in outputs if p not in parked))
        newly = {
            position: sorted(refs - available)
            for position, refs in wanted.items()
            if position not in parked and not refs <= available
        }
        if not newly:
            return parked
        parked.update(newly)


def missing_reason(missing: Sequence[str]) -> Reason:
    """The quarantine reason of a parked record, naming what it refers to."""
    named = ", ".join(missing[:_NAMED])
    more = f" and {len(missing) - _NAMED} more" if len(missing) > _NAMED else ""
    verb = "is" if len(missing) == 1 else "are"
    return Reason(
        REFERENCE_STAGE,
        MISSING_CHECK,
        f"refers to {named}{more} which {verb} not in the store; it is stored by itself "
        "once the target is (its parent record arrives or is replayed after a fix)",
        # every missing target, so a release maps the record again only once one exists
        field=" ".join(missing),
    )


def parked_targets(reasons: Sequence[Mapping[str, Any]]) -> list[str] | None:
    """The missing targets a parked record's reasons name (None: not known, retry it)."""
    for reason in reasons:
        if reason.get("stage") == REFERENCE_STAGE and reason.get("field"):
            return str(reason["field"]).split()
    return None


def existing_references(conn: Connection, references: Collection[str]) -> set[str]:
    """Which of the ``Type/id`` references are current resources of the store.

    One query per type and batch of ids, ``resource_type = :type AND resource_id IN (...)``,
    which both databases answer from the primary key. (A row-value ``IN`` of thousands of
    pairs made PostgreSQL compare every row of the table with every pair: minutes per page
    once the store held a few hundred thousand resources.)
    """
    keys = [ref.split("/", 1) for ref in sorted(set(references))]
    found: set[str] = set()
    for resource_type, ids in ids_by_type((t, i) for t, i in keys).items():
        for start in range(0, len(ids), _QUERY_BATCH):
            rows = conn.execute(
                select(resource.c.resource_id).where(
                    resource.c.resource_type == resource_type,
                    ids_in(conn, resource.c.resource_id, ids[start : start + _QUERY_BATCH]),
                    resource.c.deleted.is_(False),
                )
            )
            found.update(f"{resource_type}/{row[0]}" for row in rows)
    return found


def park_dangling(conn: Connection, result: PageResult) -> int:
    """Move the page's records with unresolvable references to its quarantined; how many.

    One existence query for every target the page's output does not itself hold. The
    mapping found each record's outgoing references (``PageResult.outgoing``).
    """
    if not result.resources:
        return 0
    outgoing = {p: result.outgoing_of(p) for p in result.resources}
    inside = own_references(r for res in result.resources.values() for r in res)
    existing = existing_references(conn, set().union(*outgoing.values()) - inside)
    parked = unresolved(result.resources, existing, outgoing)
    for position, missing in parked.items():
        del result.resources[position]
        result.outgoing.pop(position, None)
        result.quarantined[position] = [missing_reason(missing)]
    return len(parked)
