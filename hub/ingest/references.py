"""Parking: a record whose resources point at resources that exist nowhere is held back.

Integration engines call it parking. A child record (a follow-up, a contact) whose parent
(the registration, the case) was quarantined, or has not arrived yet, would otherwise be
stored with references to resources that do not exist. Instead it is quarantined whole at
stage ``references``, naming the missing target, and released once the target exists
(``hub.ingest.parking``).

The functions here are pure except ``existing_references`` (one batched read).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select, tuple_

from hub.ingest.work import PageResult, Reason
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
#: A relative literal reference ``Type/id`` (R4 id syntax); absolute URLs, ``urn:`` and
#: contained (``#id``) references are not the store's to resolve.
_RELATIVE = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")
#: Pairs per existence query; keeps SQLite well under its bound-parameter limit.
_QUERY_BATCH = 5000
#: Targets named in one quarantine message; the rest are counted.
_NAMED = 3


def _reference_values(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "reference" and isinstance(child, str):
                yield child
            else:
                yield from _reference_values(child)
    elif isinstance(value, list):
        for child in value:
            yield from _reference_values(child)


def own_references(resources: Iterable[dict[str, Any]]) -> set[str]:
    """``Type/id`` of each resource given."""
    return {f"{r['resourceType']}/{r['id']}" for r in resources if "id" in r}


def outgoing_references(resources: Sequence[dict[str, Any]]) -> set[str]:
    """Relative references of the resources to resources outside them."""
    found = {ref for r in resources for ref in _reference_values(r) if _RELATIVE.match(ref)}
    return found - own_references(resources)


def unresolved(
    outputs: Mapping[int, Sequence[dict[str, Any]]], existing: Collection[str]
) -> dict[int, list[str]]:
    """Position -> the targets (sorted) of its record that will not exist, for records to park.

    A target exists when it is in ``existing`` (the store) or among the resources of a record
    of the same output that is not parked itself; parking one record can strand another that
    points at it, so this repeats until nothing more is parked.
    """
    wanted = {position: outgoing_references(res) for position, res in outputs.items()}
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
    """Which of the ``Type/id`` references are current resources of the store."""
    pairs = sorted({tuple(ref.split("/", 1)) for ref in references})
    found: set[str] = set()
    for start in range(0, len(pairs), _QUERY_BATCH):
        rows = conn.execute(
            select(resource.c.resource_type, resource.c.resource_id).where(
                tuple_(resource.c.resource_type, resource.c.resource_id).in_(
                    pairs[start : start + _QUERY_BATCH]
                ),
                resource.c.deleted.is_(False),
            )
        )
        found.update(f"{row[0]}/{row[1]}" for row in rows)
    return found


def park_dangling(conn: Connection, result: PageResult) -> int:
    """Move the page's records with unresolvable references to its quarantined; how many.

    One existence query for every target the page's output does not itself hold.
    """
    if not result.resources:
        return 0
    inside = own_references(r for res in result.resources.values() for r in res)
    outside = set().union(*(outgoing_references(res) for res in result.resources.values()))
    existing = existing_references(conn, outside - inside)
    parked = unresolved(result.resources, existing)
    for position, missing in parked.items():
        del result.resources[position]
        result.quarantined[position] = [missing_reason(missing)]
    return len(parked)
