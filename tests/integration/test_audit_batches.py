"""Audit batches on both databases: a batch COPY-sized on PostgreSQL and a handful, every
event stored once with its fields, the database numbering them in order."""

from __future__ import annotations

from sqlalchemy import select

from hub.security.at_rest import FieldSealer
from hub.security.audit import AuditLog, AuditRecord
from hub.security.schema import audit_event
from hub.store import FhirStore, open_store

RESIDENT_ID = "110105199003078915"


def _event(number: int) -> AuditRecord:
    return AuditRecord(
        action="R",
        subtype="search-type" if number % 2 else "read",
        outcome="0",
        agent=f"worker-{number % 3}",
        role="case_manager",
        client_ip=None if number % 5 else "10.0.0.7",
        patient=f"Patient/p-{number}",
        entity=f"Observation/o-{number}",
        query=f"identifier={RESIDENT_ID}" if number % 2 else None,
        status=200,
    )


def test_audit_batches_store_every_event_in_order(store: FhirStore, database_url: str) -> None:
    sealed = open_store(database_url, sealer=FieldSealer("encryption-secret", "index-secret"))
    audit = AuditLog(sealed.engine)
    events = [_event(n) for n in range(250)]
    try:
        for event in events[:240]:  # 200 then 40: COPY on PostgreSQL
            audit.record(event)
        audit.flush()
        for event in events[240:]:  # a handful: one pipelined statement there
            audit.record(event)
        total, page = audit.search(patient="Patient/p-245")
        with sealed.engine.connect() as conn:
            rows = conn.execute(select(audit_event).order_by(audit_event.c.seq)).all()
        with store.engine.connect() as conn:  # no sealer: what the database holds
            raw = conn.execute(select(audit_event.c.query)).scalars().all()
    finally:
        sealed.engine.dispose()
    assert total == 1
    assert page[0]["id"] == events[245].id
    assert [row.id for row in rows] == [event.id for event in events]
    assert len({row.seq for row in rows}) == len(events)
    for row, event in zip(rows, events, strict=True):
        assert (row.patient, row.entity, row.query, row.client_ip, row.subtype) == (
            event.patient,
            event.entity,
            event.query,
            event.client_ip,
            event.subtype,
        )
        assert row.recorded == event.recorded
    assert not any(RESIDENT_ID in (query or "") for query in raw)
