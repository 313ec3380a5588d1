"""The audit trail: one AuditEvent per patient-level request, written in batches.

Requests hand their event to ``AuditLog.record`` (a list append, no I/O on the request's
path); a background thread inserts the batch every ``audit_flush_seconds`` in one
statement (COPY on PostgreSQL, ``hub.store.bulk``: a 200-event batch through SQLAlchemy's
executemany cost 11 ms of CPU, 2.5 ms this way, and a flush holds the GIL against the
event loop: at 1,000 reads/s they showed as bursts of slow responses every 0.4 s).
Reading the trail flushes first, so it is always complete when queried.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from hub.security.schema import audit_event
from hub.store.bulk import insert_rows, row_columns

__all__ = ["AuditLog", "AuditRecord", "to_fhir"]

log = logging.getLogger("hub.security.audit")

#: Events written in one statement when requests come faster than the flush interval.
_BATCH = 200

#: FHIR AuditEvent.action by HTTP method.
ACTIONS = {"GET": "R", "HEAD": "R", "POST": "C", "PUT": "U", "PATCH": "U", "DELETE": "D"}


@dataclass
class AuditRecord:
    """What one request did to patient data."""

    action: str
    subtype: str
    outcome: str
    agent: str
    role: str | None
    client_ip: str | None
    patient: str | None
    entity: str | None
    query: str | None
    status: int
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    recorded: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))


#: audit_event's columns but its generated key: the order ``insert_rows`` takes them in.
_COLUMNS = tuple(c.name for c in row_columns(audit_event))


def _row(entry: AuditRecord) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name in _COLUMNS)


class AuditLog:
    """Buffers AuditEvents and writes them in batches on a background thread."""

    def __init__(self, engine: Engine, flush_seconds: float = 1.0) -> None:
        self._engine = engine
        self._flush_seconds = flush_seconds
        self._pending: list[AuditRecord] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, entry: AuditRecord) -> bool:
        """Queue one event (no I/O); True when a batch is full and ``flush`` is due now."""
        with self._lock:
            self._pending.append(entry)
            full = len(self._pending) >= _BATCH
        if self._thread is None:
            self._start()
        return full

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audit", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._flush_seconds):
            with contextlib.suppress(Exception):  # logged in flush; kept for the next round
                self.flush()

    def flush(self) -> int:
        """Write everything queued; the number of events written."""
        with self._write_lock:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return 0
            try:
                with self._engine.begin() as conn:
                    insert_rows(conn, audit_event, [_row(r) for r in batch])
            except Exception:
                with self._lock:  # keep them for the next try: an audit must not be lost
                    self._pending[:0] = batch
                log.exception("could not write %d audit events", len(batch))
                raise
            return len(batch)

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self.flush()

    def search(
        self,
        *,
        patient: str | None = None,
        agent: str | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The number of matching AuditEvents and one page of them, oldest first."""
        self.flush()
        conditions = [
            column == value
            for column, value in (
                (audit_event.c.patient, patient),
                (audit_event.c.agent, agent),
                (audit_event.c.action, action),
            )
            if value
        ]
        page = select(audit_event).where(*conditions).order_by(audit_event.c.seq)
        total = select(func.count()).select_from(audit_event).where(*conditions)
        with self._engine.connect() as conn:
            count = int(conn.execute(total).scalar_one())
            if not limit:
                return count, []
            rows = conn.execute(page.limit(limit).offset(offset))
            return count, [to_fhir(row._mapping) for row in rows]

    def find(self, event_id: str) -> dict[str, Any] | None:
        """One AuditEvent as FHIR, or None."""
        self.flush()
        with self._engine.connect() as conn:
            row = conn.execute(select(audit_event).where(audit_event.c.id == event_id)).first()
        return to_fhir(row._mapping) if row is not None else None


def to_fhir(row: Any) -> dict[str, Any]:
    """The FHIR R4B AuditEvent of a stored audit row."""
    rest = "http://terminology.hl7.org/CodeSystem/audit-event-type"
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": row["id"],
        "type": {"system": rest, "code": "rest", "display": "RESTful Operation"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": row["subtype"]}],
        "action": row["action"],
        "recorded": row["recorded"].replace(tzinfo=UTC).isoformat(),
        "outcome": row["outcome"],
        "outcomeDesc": f"HTTP {row['status']}",
        "agent": [
            {
                "who": {"display": row["agent"]},
                "requestor": True,
                "role": [{"text": row["role"] or "anonymous"}],
                "network": {"address": row["client_ip"] or "unknown", "type": "2"},
            }
        ],
        "source": {"observer": {"display": "carehub"}},
    }
    entities: list[dict[str, Any]] = []
    if row["patient"]:
        entities.append({"what": {"reference": row["patient"]}, "role": {"code": "1"}})
    if row["entity"] or row["query"]:
        entity: dict[str, Any] = {"what": {"display": row["entity"] or ""}}
        if row["query"]:
            entity["description"] = row["query"]
        entities.append(entity)
    if entities:
        event["entity"] = entities
    return event
