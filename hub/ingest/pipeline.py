"""The page pipeline: land, parse, raw checks, map, FHIR checks, store, checkpoint.

One page is one database transaction: its landing rows, quarantine rows, stored resources,
record states and the connector's cursor commit together or not at all. A sync killed at any
moment therefore resumes from the last committed page, and re-processing a page is harmless
(stable resource ids, content hashes): every record ends up exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from connectors.base import Cursor, Page, RawRecord
from hub.domain.records import RECORD_KINDS, SourceRecord
from hub.ingest.report import SourceReport
from hub.ingest.schema import connector_state, landing, quarantine, source_record
from hub.ingest.seams import Finding, QualityGate
from hub.store import FhirStore, StoreSession
from hub.store.documents import dumps, utc_now
from mappings import MappingContext, MappingError, map_record

__all__ = ["PagePipeline", "Reason", "load_cursor", "parse_record", "to_json"]

log = logging.getLogger("hub.ingest")


@dataclass(frozen=True)
class Reason:
    """Why a record is quarantined: the stage, the check and a sentence for a person."""

    stage: str  # read, parse, raw_check, map, fhir_check
    check: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form kept in the quarantine table."""
        return {
            "stage": self.stage,
            "check": self.check,
            "field": self.field,
            "message": self.message,
        }


def to_json(resource: Any) -> dict[str, Any]:
    """A fhir.resources model (or a dict) as FHIR JSON."""
    if isinstance(resource, dict):
        return resource
    dumped: dict[str, Any] = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def parse_record(raw: RawRecord) -> SourceRecord | list[Reason]:
    """The typed record, or the reasons it cannot be read (each naming the field)."""
    if raw.problem is not None:
        return [Reason("read", "unreadable", raw.problem)]
    model = RECORD_KINDS.get(raw.record_kind)
    if model is None:
        return [Reason("read", "unknown_kind", f"unknown record kind {raw.record_kind!r}")]
    try:
        return model.model_validate(raw.payload)
    except ValidationError as exc:
        return [
            Reason(
                "parse",
                f"{raw.record_kind}.{'.'.join(str(p) for p in err['loc']) or 'record'}",
                f"{raw.record_kind} {raw.source_key}: "
                f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['msg']}",
                ".".join(str(p) for p in err["loc"]) or None,
            )
            for err in exc.errors()
        ]


def _fatal(findings: Sequence[Finding], stage: str) -> list[Reason]:
    return [Reason(stage, f.check, f.message, f.field) for f in findings if f.severity == "fatal"]


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

    landed: list[tuple[RawRecord, int]] = field(default_factory=list)
    quarantined: list[tuple[RawRecord, int, list[Reason]]] = field(default_factory=list)
    stored: list[tuple[RawRecord, int]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)


class PagePipeline:
    """Implements the connectors' landing port for one source's run."""

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
        self.patient_ids: list[str] = []
        #: (kind, key) -> (hash, outcome) of the current page's records already known.
        self._known: dict[tuple[str, str], tuple[str, str]] = {}

    def land_page(self, page: Page) -> None:
        """Process the page and checkpoint its cursor in one transaction."""
        with self.store.begin() as session:
            self._process(session, page)
            _upsert(
                session.conn,
                connector_state,
                [
                    {
                        "source": self.source,
                        "cursor": dumps(page.cursor),
                        "run_id": self.context.run_id,
                        "updated_at": self.clock(),
                    }
                ],
                ["source"],
            )
        self.report.pages += 1

    def _process(self, session: StoreSession, page: Page) -> None:
        fresh = self._drop_unchanged(session.conn, page.records)
        work = _PageWork(landed=list(zip(fresh, self._land(session.conn, fresh), strict=True)))
        self._check_and_map(work)
        self._store(session, work)
        self._record_outcomes(session.conn, work)

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
        work = _PageWork(landed=[(raw, landing_id)])
        self._known = {}
        self._check_and_map(work)
        if work.quarantined:
            return work.quarantined[0][2]
        self._store(session, work)
        state = self._state(raw, landing_id, "stored")
        _upsert(session.conn, source_record, [state], ["source", "record_kind", "source_key"])
        return []

    def _drop_unchanged(self, conn: Connection, records: list[RawRecord]) -> list[RawRecord]:
        """Count and leave out records whose content the hub already has."""
        self.report.pulled += len(records)
        known = self._known_hashes(conn, records)
        fresh: list[RawRecord] = []
        seen: dict[tuple[str, str], str] = {}
        for raw in records:
            if raw.problem is None and raw.source_key is not None:
                key = (raw.record_kind, raw.source_key)
                digest = raw.content_hash
                if known.get(key, (None, None))[0] == digest or seen.get(key) == digest:
                    self.report.unchanged += 1
                    continue
                seen[key] = digest
            fresh.append(raw)
        self._known = known
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

    def _check_and_map(self, work: _PageWork) -> None:
        parsed: list[tuple[RawRecord, int, SourceRecord]] = []
        for raw, landing_id in work.landed:
            outcome = parse_record(raw)
            if isinstance(outcome, list):
                work.quarantined.append((raw, landing_id, outcome))
            else:
                parsed.append((raw, landing_id, outcome))
        verdicts = self.gate.check_records(self.source, [p[2] for p in parsed])
        for (raw, landing_id, record), findings in zip(parsed, verdicts, strict=True):
            self._count_warnings(findings)
            reasons = _fatal(findings, "raw_check") or self._map(record, work, raw, landing_id)
            if reasons:
                work.quarantined.append((raw, landing_id, reasons))

    def _map(
        self, record: SourceRecord, work: _PageWork, raw: RawRecord, landing_id: int
    ) -> list[Reason]:
        try:
            result = map_record(record, self.context)
        except MappingError as exc:
            return [Reason("map", type(exc).__name__, str(exc))]
        # The mapping kept each resource's JSON as validated by its R4B model: no second dump.
        resources = result.documents or [to_json(r) for r in result.resources]
        findings = self.gate.check_resources(record, resources, validated=True)
        self._count_warnings(findings)
        for warning in result.warnings:
            check = f"{record.kind}.{warning.field}"
            self.report.warnings_by_check[check] = self.report.warnings_by_check.get(check, 0) + 1
        reasons = _fatal(findings, "fhir_check")
        if not reasons:
            work.resources.extend(resources)
            work.stored.append((raw, landing_id))
        return reasons

    def _count_warnings(self, findings: Sequence[Finding]) -> None:
        for f in findings:
            if f.severity == "warning":
                self.report.warnings_by_check[f.check] = (
                    self.report.warnings_by_check.get(f.check, 0) + 1
                )

    def _record_outcomes(self, conn: Connection, work: _PageWork) -> None:
        now, run_id = self.clock(), self.context.run_id
        states: dict[tuple[str, str], dict[str, Any]] = {}
        for raw, landing_id in work.stored:
            if (raw.record_kind, raw.source_key or "") in self._known:
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
