"""Release: records parked for missing references are stored once their targets exist.

Run at the end of each source's run and after ``hub quarantine replay``. Every open
quarantine row at stage ``references`` whose record is still quarantined is mapped again
(from its landed payload) and its references resolved against the store and against the
other parked records: a child parked before its parent, or whose parent was replayed after
a fix, is stored and its quarantine row marked ``released``. Records that now fail for
another reason, or still miss a target, stay in the quarantine with their reasons updated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, and_, select, update

from connectors.base import RawRecord
from hub.domain.codes import SourceSystem
from hub.ingest.pipeline import PagePipeline
from hub.ingest.references import (
    REFERENCE_STAGE,
    existing_references,
    missing_reason,
    outgoing_references,
    own_references,
    parked_targets,
    unresolved,
)
from hub.ingest.report import SourceReport
from hub.ingest.schema import landing, quarantine, source_record
from hub.ingest.seams import QualityGate
from hub.ingest.work import Reason
from hub.store import FhirStore
from hub.store.documents import dumps, utc_now
from mappings import MappingContext

__all__ = ["ReleaseSummary", "Released", "release_parked"]

log = logging.getLogger("hub.ingest")


@dataclass(frozen=True)
class Released:
    """One record that left the quarantine: which row, whose record, and what it stored."""

    quarantine_id: int
    source: str
    run_id: str  # the run that parked it
    record_kind: str
    source_key: str
    by_type: dict[str, int]


@dataclass
class ReleaseSummary:
    """What one release pass did."""

    examined: int = 0
    released: list[Released] = field(default_factory=list)
    still_parked: int = 0
    failed_otherwise: int = 0


@dataclass
class _Parked:
    row: Any
    raw: RawRecord
    pipeline: PagePipeline
    resources: list[dict[str, Any]] | None = None
    reasons: list[Reason] = field(default_factory=list)


def _parked_rows(conn: Connection) -> list[Any]:
    """Open rows parked for references whose record is still quarantined (not since stored)."""
    query = (
        select(
            quarantine.c.quarantine_id,
            quarantine.c.landing_id,
            quarantine.c.run_id,
            quarantine.c.source,
            quarantine.c.record_kind,
            quarantine.c.source_key,
            quarantine.c.reasons,
            landing.c.payload,
            landing.c.source_system,
            landing.c.origin,
        )
        .join(landing, landing.c.landing_id == quarantine.c.landing_id)
        .join(
            source_record,
            and_(
                source_record.c.source == quarantine.c.source,
                source_record.c.record_kind == quarantine.c.record_kind,
                source_record.c.source_key == quarantine.c.source_key,
            ),
        )
        .where(
            quarantine.c.status == "open",
            quarantine.c.stage == REFERENCE_STAGE,
            source_record.c.outcome == "quarantined",
        )
        .order_by(quarantine.c.quarantine_id)
    )
    # A record parked in two runs has two open rows: only its latest version is retried.
    latest = {(r.source, r.record_kind, r.source_key): r for r in conn.execute(query)}
    return sorted(latest.values(), key=lambda r: r.quarantine_id)


def _pipelines(
    store: FhirStore, rows: Iterable[Any], district_code: str, gate: QualityGate, run_id: str | None
) -> dict[tuple[str, str, str], PagePipeline]:
    """One pipeline per (source, system, parking run), as replay builds them."""
    built: dict[tuple[str, str, str], PagePipeline] = {}
    for row in rows:
        key = (row.source, row.source_system, row.run_id)
        if key not in built:
            built[key] = PagePipeline(
                store=store,
                source=row.source,
                source_system=SourceSystem(row.source_system).value,
                context=MappingContext(
                    source_system=row.source_system,
                    run_id=run_id or f"release-{row.run_id}",
                    district_code=district_code,
                ),
                gate=gate,
                report=SourceReport(source=row.source, kind="release", run_id=row.run_id),
            )
    return built


def _map_all(parked: list[_Parked]) -> None:
    """Map every parked record again, one mapper call per pipeline."""
    by_pipeline: dict[int, list[_Parked]] = {}
    for item in parked:
        by_pipeline.setdefault(id(item.pipeline), []).append(item)
    for items in by_pipeline.values():
        result = items[0].pipeline.mapper.map_page([i.raw for i in items])
        for position, item in enumerate(items):
            if position in result.quarantined:
                item.reasons = result.quarantined[position]
            else:
                item.resources = result.resources[position]


def _resolve(conn: Connection, parked: list[_Parked]) -> None:
    """Mark the parked records whose references still do not resolve."""
    outputs = {i: item.resources for i, item in enumerate(parked) if item.resources is not None}
    inside = own_references(r for res in outputs.values() for r in res)
    outside = set().union(*(outgoing_references(res) for res in outputs.values()))
    missing = unresolved(outputs, existing_references(conn, outside - inside))
    for position, targets in missing.items():
        parked[position].resources = None
        parked[position].reasons = [missing_reason(targets)]


def _ready(
    conn: Connection, rows: list[Any], targets: dict[int, list[str] | None]
) -> tuple[list[Any], list[Any]]:
    """(rows worth mapping again: a missing target now exists or is not known, the rest)."""
    pending = [targets[row.quarantine_id] for row in rows]
    named = set().union(*(t for t in pending if t is not None))
    existing = existing_references(conn, named) if named else set()
    ready: list[Any] = []
    waiting: list[Any] = []
    for row in rows:
        wanted = targets[row.quarantine_id]
        (ready if wanted is None or existing.intersection(wanted) else waiting).append(row)
    return ready, waiting


def release_parked(
    store: FhirStore,
    *,
    district_code: str,
    gate: QualityGate,
    run_id: str | None = None,
) -> ReleaseSummary:
    """Store every parked record whose targets now exist; one transaction for the pass.

    ``run_id`` is the run the released resources' Provenance names (the sync run doing the
    release); by default ``release-<the run that parked it>``.
    """
    summary = ReleaseSummary()
    with store.begin() as session:
        rows = _parked_rows(session.conn)
        if not rows:
            return summary
        pipelines = _pipelines(store, rows, district_code, gate, run_id)
        now = utc_now()
        targets = {row.quarantine_id: parked_targets(orjson.loads(row.reasons)) for row in rows}
        # Rounds: map again only records one of whose missing targets now exists (a re-sync
        # with nothing new maps nothing); what a round stores may unblock the next.
        while rows:
            ready, rows = _ready(session.conn, rows, targets)
            if not ready:
                break
            parked = [
                _Parked(
                    row,
                    RawRecord(
                        row.record_kind,
                        row.source_key,
                        orjson.loads(row.payload),
                        origin=row.origin,
                    ),
                    pipelines[(row.source, row.source_system, row.run_id)],
                )
                for row in ready
            ]
            _map_all(parked)
            _resolve(session.conn, parked)
            stored = 0
            for item in parked:
                summary.examined += 1
                _settle(session.conn, item, now, summary)
                if item.resources is not None:
                    stored += 1
                    item.pipeline.store_record(
                        session, item.raw, item.row.landing_id, item.resources
                    )
            if not stored:
                break
        summary.still_parked += len(rows)
    log.info(
        "released %d parked records (%d still parked)", len(summary.released), summary.still_parked
    )
    return summary


def _settle(conn: Connection, item: _Parked, now: Any, summary: ReleaseSummary) -> None:
    """Mark the quarantine row released, or keep it open with its current reasons."""
    row = item.row
    where = quarantine.c.quarantine_id == row.quarantine_id
    if item.resources is None:
        if item.reasons[0].stage == REFERENCE_STAGE:
            summary.still_parked += 1
        else:
            summary.failed_otherwise += 1
        values = {
            "reasons": dumps([r.as_dict() for r in item.reasons]),
            "stage": item.reasons[0].stage,
        }
        conn.execute(update(quarantine).where(where).values(**values))
        return
    conn.execute(update(quarantine).where(where).values(status="released", resolved_at=now))
    by_type: dict[str, int] = {}
    for document in item.resources:
        by_type[document["resourceType"]] = by_type.get(document["resourceType"], 0) + 1
    summary.released.append(
        Released(
            row.quarantine_id, row.source, row.run_id, row.record_kind, row.source_key, by_type
        )
    )
