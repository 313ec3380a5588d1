"""The page pipeline: land, parse, raw checks, map, FHIR checks, store, checkpoint.

One page is one database transaction: its landing rows, quarantine rows, stored resources,
record states and the connector's cursor commit together or not at all. A sync killed at any
moment therefore resumes from the last committed page, and re-processing a page is harmless
(stable resource ids, content hashes): every record ends up exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from connectors.base import Cursor, Page, RawRecord
from hub.gc_pause import gc_paused
from hub.ingest.references import park_dangling
from hub.ingest.report import SourceReport
from hub.ingest.schema import connector_state, landing, quarantine, source_record
from hub.ingest.seams import QualityGate
from hub.ingest.work import PageMapper, PageResult, Reason, parse_record, to_json
from hub.store import FhirStore, StoreSession
from hub.store.documents import dumps, utc_now
from mappings import MappingContext

__all__ = [
    "PagePipeline",
    "PreparedPage",
    "Reason",
    "load_cursor",
    "parse_record",
    "to_json",
]

log = logging.getLogger("hub.ingest")


def load_cursor(conn: Connection, source: str) -> Cursor | None:
    """The checkpoint of a source, or None before its first run."""
    row = conn.execute(
        select(connector_state.c.cursor).where(connector_state.c.source == source)
    ).first()
    if row is None:
        return None
    import orjson

    cursor: Cursor = orjson.loads(row.cursor)
    return cursor


def _upsert(conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
    if not rows:
        return
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = maker(table)
    updates = {c: statement.excluded[c] for c in rows[0] if c not in keys}
    conn.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates), rows)


@dataclass
class _PageWork:
    """What one page produced, gathered before the writes."""

    known: dict[tuple[str, str], tuple[str, str]]
    landed: list[tuple[RawRecord, int]] = field(default_factory=list)
    quarantined: list[tuple[RawRecord, int, list[Reason]]] = field(default_factory=list)
    stored: list[tuple[RawRecord, int]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)

    def take(self, result: PageResult) -> None:
        """Sort the landed records by what the mapping made of them."""
        for position, (raw, landing_id) in enumerate(self.landed):
            reasons = result.quarantined.get(position)
            if reasons is not None:
                self.quarantined.append((raw, landing_id, reasons))
            else:
                self.resources.extend(result.resources[position])
                self.stored.append((raw, landing_id))


@dataclass
class PreparedPage:
    """A page after the unchanged records are left out, waiting for its mapping result."""

    page: Page
    fresh: list[RawRecord]
    #: (kind, key) -> (hash, outcome) of the page's records the hub already knew.
    known: dict[tuple[str, str], tuple[str, str]]
    sequence: int = 0


class PagePipeline:
    """Implements the connectors' landing port for one source's run.

    ``land_page`` does a whole page in one call. A pipelined run splits it: ``prepare``
    (leave out unchanged records), the mapping (``mapper.map_page``, possibly in a worker
    process), then ``commit`` (land, store, outcomes and cursor in one transaction). Pages
    are committed in the order they were prepared; records of pages prepared but not yet
    committed count as known, so a record pulled twice in a row is still seen as unchanged.
    """

    def __init__(
        self,
        *,
        store: FhirStore,
        source: str,
        source_system: str,
        context: MappingContext,
        gate: QualityGate,
        report: SourceReport,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store, self.source, self.source_system = store, source, source_system
        self.context, self.gate, self.report, self.clock = context, gate, report, clock
        self.mapper = PageMapper(context, gate, source)
        self.patient_ids: list[str] = []
        #: (kind, key) -> (hash, sequence) of records in pages prepared and not yet committed.
        self._in_flight: dict[tuple[str, str], tuple[str, int]] = {}
        self._sequence = 0

    def land_page(self, page: Page) -> None:
        """Process the page and checkpoint its cursor in one transaction."""
        with gc_paused(), self.store.begin() as session:
            prepared = self._prepare(session.conn, page)
            self._commit_in(session, prepared, self.mapper.map_page(prepared.fresh))

    def prepare(self, page: Page) -> PreparedPage:
        """Count the page and leave out the records whose content the hub already has."""
        with self.store.engine.connect() as conn:
            return self._prepare(conn, page)

    def commit(self, prepared: PreparedPage, result: PageResult) -> None:
        """Land, store, record outcomes and checkpoint one mapped page, in one transaction."""
        with gc_paused(), self.store.begin() as session:
            self._commit_in(session, prepared, result)

    def _prepare(self, conn: Connection, page: Page) -> PreparedPage:
        with self.timing("prepare"):
            self._sequence += 1
            known = self._known_hashes(conn, page.records)
            fresh = self._drop_unchanged(page.records, known)
            for raw in fresh:
                if raw.source_key is not None:
                    key = (raw.record_kind, raw.source_key)
                    self._in_flight[key] = (raw.content_hash, self._sequence)
            return PreparedPage(page, fresh, known, self._sequence)

    def _commit_in(self, session: StoreSession, prepared: PreparedPage, result: PageResult) -> None:
        work = _PageWork(prepared.known)
        with self.timing("land"):
            landing_ids = self._land(session.conn, prepared.fresh)
            work.landed = list(zip(prepared.fresh, landing_ids, strict=True))
        with self.timing("references"):
            park_dangling(session.conn, result)
        work.take(result)
        self._absorb(result)
        with self.timing("store"):
            self._store(session, work)
        with self.timing("outcomes"):
            self._record_outcomes(session.conn, work)
            _upsert(
                session.conn,
                connector_state,
                [
                    {
                        "source": self.source,
                        "cursor": dumps(prepared.page.cursor),
                        "run_id": self.context.run_id,
                        "updated_at": self.clock(),
                    }
                ],
                ["source"],
            )
        self._in_flight = {k: v for k, v in self._in_flight.items() if v[1] != prepared.sequence}
        self.report.pages += 1

    def _absorb(self, result: PageResult) -> None:
        for check, count in result.warnings_by_check.items():
            self.report.warnings_by_check[check] = (
                self.report.warnings_by_check.get(check, 0) + count
            )
        for stage, seconds in result.seconds.items():
            self.report.add_seconds(stage, seconds)

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        """Add the time spent in the block to the report's stage seconds."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.report.add_seconds(stage, time.perf_counter() - start)

    def _store(self, session: StoreSession, work: _PageWork) -> None:
        summary = session.write_many(work.resources)
        self.report.count_resources(summary.by_type)
        self.patient_ids.extend(
            str(r["id"]) for r in work.resources if r.get("resourceType") == "Patient"
        )

    def replay(self, session: StoreSession, raw: RawRecord, landing_id: int) -> list[Reason]:
        """Run one landed record through parse, checks and mapping again; store it if it passes.

        Returns the reasons it still fails (empty when it was stored).
        """
        result = self.mapper.map_page([raw])
        park_dangling(session.conn, result)
        if 0 in result.quarantined:
            return result.quarantined[0]
        self.store_record(session, raw, landing_id, result.resources[0])
        return []

    def store_record(
        self,
        session: StoreSession,
        raw: RawRecord,
        landing_id: int,
        resources: list[dict[str, Any]],
    ) -> None:
        """Store one record's mapped resources and mark the record stored (replay, release)."""
        self._store(session, _PageWork({}, resources=list(resources)))
        state = self._state(raw, landing_id, "stored")
        _upsert(session.conn, source_record, [state], ["source", "record_kind", "source_key"])

    def _drop_unchanged(
        self, records: list[RawRecord], known: dict[tuple[str, str], tuple[str, str]]
    ) -> list[RawRecord]:
        """Count and leave out records whose content the hub already has (or is storing)."""
        self.report.pulled += len(records)
        fresh: list[RawRecord] = []
        seen: dict[tuple[str, str], str] = {}
        for raw in records:
            if raw.problem is None and raw.source_key is not None:
                key = (raw.record_kind, raw.source_key)
                digest = raw.content_hash
                in_flight = self._in_flight.get(key)
                if in_flight is not None:
                    known[key] = (in_flight[0], "stored")
                if known.get(key, (None, None))[0] == digest or seen.get(key) == digest:
                    self.report.unchanged += 1
                    continue
                seen[key] = digest
            fresh.append(raw)
        return fresh

    def _known_hashes(
        self, conn: Connection, records: list[RawRecord]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        by_kind: dict[str, list[str]] = {}
        for raw in records:
            if raw.source_key is not None:
                by_kind.setdefault(raw.record_kind, []).append(raw.source_key)
        known: dict[tuple[str, str], tuple[str, str]] = {}
        for kind, keys in by_kind.items():
            for start in range(0, len(keys), 500):
                rows = conn.execute(
                    select(
                        source_record.c.source_key,
                        source_record.c.content_hash,
                        source_record.c.outcome,
                    ).where(
                        source_record.c.source == self.source,
                        source_record.c.record_kind == kind,
                        source_record.c.source_key.in_(keys[start : start + 500]),
                    )
                )
                known.update({(kind, r.source_key): (r.content_hash, r.outcome) for r in rows})
        return known

    def _land(self, conn: Connection, records: list[RawRecord]) -> list[int]:
        """Write every record to landing first; returns their landing ids in order."""
        if not records:
            return []
        now = self.clock()
        rows = [
            {
                "run_id": self.context.run_id,
                "source": self.source,
                "source_system": self.source_system,
                "record_kind": r.record_kind,
                "source_key": r.source_key,
                "content_hash": r.content_hash,
                "payload": dumps(r.payload),
                "problem": r.problem,
                "origin": r.origin,
                "pulled_at": now,
            }
            for r in records
        ]
        result = conn.execute(
            insert(landing).returning(landing.c.landing_id, sort_by_parameter_order=True), rows
        )
        return [int(row.landing_id) for row in result]

    def _record_outcomes(self, conn: Connection, work: _PageWork) -> None:
        now, run_id = self.clock(), self.context.run_id
        states: dict[tuple[str, str], dict[str, Any]] = {}
        for raw, landing_id in work.stored:
            if (raw.record_kind, raw.source_key or "") in work.known:
                self.report.changed += 1
            else:
                self.report.new += 1
            states[(raw.record_kind, raw.source_key or "")] = self._state(raw, landing_id, "stored")
        quarantine_rows = []
        for raw, landing_id, reasons in work.quarantined:
            self.report.count_quarantine(f"{reasons[0].stage}:{reasons[0].check}")
            quarantine_rows.append(
                {
                    "landing_id": landing_id,
                    "run_id": run_id,
                    "source": self.source,
                    "record_kind": raw.record_kind,
                    "source_key": raw.source_key,
                    "stage": reasons[0].stage,
                    "reasons": dumps([r.as_dict() for r in reasons]),
                    "status": "open",
                    "created_at": now,
                    "resolved_at": None,
                }
            )
            if raw.source_key is not None:
                states[(raw.record_kind, raw.source_key)] = self._state(
                    raw, landing_id, "quarantined"
                )
        if quarantine_rows:
            conn.execute(insert(quarantine), quarantine_rows)
        _upsert(conn, source_record, list(states.values()), ["source", "record_kind", "source_key"])

    def _state(self, raw: RawRecord, landing_id: int, outcome: str) -> dict[str, Any]:
        return {
            "source": self.source,
            "record_kind": raw.record_kind,
            "source_key": raw.source_key,
            "content_hash": raw.content_hash,
            "landing_id": landing_id,
            "outcome": outcome,
            "run_id": self.context.run_id,
            "updated_at": self.clock(),
        }
