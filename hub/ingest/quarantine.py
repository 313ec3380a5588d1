"""The quarantine: what a data steward sees, and replay after a mapping or data fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, select, update

from connectors.base import RawRecord
from hub.domain.codes import SourceSystem
from hub.ingest.pipeline import PagePipeline
from hub.ingest.report import SourceReport
from hub.ingest.schema import landing, quarantine
from hub.ingest.seams import NoChecks, QualityGate
from hub.store import FhirStore
from hub.store.documents import dumps, utc_now
from mappings import MappingContext

__all__ = [
    "QuarantinedRecord",
    "ReplayResult",
    "count_open",
    "list_quarantine",
    "replay",
    "show_quarantined",
]


@dataclass(frozen=True)
class QuarantinedRecord:
    """One quarantined record with its reasons and the payload as landed."""

    quarantine_id: int
    source: str
    record_kind: str
    source_key: str | None
    stage: str
    status: str
    reasons: list[dict[str, Any]]
    run_id: str
    origin: str | None = None
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class ReplayResult:
    """What a replay did to one record."""

    quarantine_id: int
    released: bool
    reasons: list[dict[str, Any]]


def _columns() -> list[Any]:
    return [
        quarantine.c.quarantine_id,
        quarantine.c.source,
        quarantine.c.record_kind,
        quarantine.c.source_key,
        quarantine.c.stage,
        quarantine.c.status,
        quarantine.c.reasons,
        quarantine.c.run_id,
        landing.c.origin,
    ]


def list_quarantine(
    store: FhirStore, *, source: str | None = None, status: str | None = "open", limit: int = 100
) -> list[QuarantinedRecord]:
    """Quarantined records, newest first."""
    query = select(*_columns()).join(landing, landing.c.landing_id == quarantine.c.landing_id)
    if source:
        query = query.where(quarantine.c.source == source)
    if status:
        query = query.where(quarantine.c.status == status)
    query = query.order_by(quarantine.c.quarantine_id.desc()).limit(limit)
    with store.reading() as session:
        return [_record(row, None) for row in session.conn.execute(query)]


def count_open(store: FhirStore) -> dict[str, int]:
    """Open quarantined records per source."""
    query = (
        select(quarantine.c.source, func.count())
        .where(quarantine.c.status == "open")
        .group_by(quarantine.c.source)
    )
    with store.reading() as session:
        return {row[0]: int(row[1]) for row in session.conn.execute(query)}


def show_quarantined(store: FhirStore, quarantine_id: int) -> QuarantinedRecord | None:
    """One quarantined record with its landed payload."""
    query = (
        select(*_columns(), landing.c.payload)
        .join(landing, landing.c.landing_id == quarantine.c.landing_id)
        .where(quarantine.c.quarantine_id == quarantine_id)
    )
    with store.reading() as session:
        row = session.conn.execute(query).first()
    return _record(row, orjson.loads(row.payload)) if row else None


def _record(row: Any, payload: dict[str, Any] | None) -> QuarantinedRecord:
    return QuarantinedRecord(
        quarantine_id=row.quarantine_id,
        source=row.source,
        record_kind=row.record_kind,
        source_key=row.source_key,
        stage=row.stage,
        status=row.status,
        reasons=orjson.loads(row.reasons),
        run_id=row.run_id,
        origin=row.origin,
        payload=payload,
    )


def replay(
    store: FhirStore,
    ids: Sequence[int],
    *,
    district_code: str,
    gate: QualityGate | None = None,
    fixed_payload: dict[str, Any] | None = None,
) -> list[ReplayResult]:
    """Run quarantined records through the pipeline again (optionally with a steward's fix)."""
    results = []
    for quarantine_id in ids:
        results.append(
            _replay_one(store, quarantine_id, district_code, gate or NoChecks(), fixed_payload)
        )
    return results


def _replay_one(
    store: FhirStore,
    quarantine_id: int,
    district_code: str,
    gate: QualityGate,
    fixed_payload: dict[str, Any] | None,
) -> ReplayResult:
    with store.begin() as session:
        row = session.conn.execute(
            select(
                quarantine,
                landing.c.payload,
                landing.c.source_system,
                landing.c.problem,
                landing.c.origin,
            )
            .join(landing, landing.c.landing_id == quarantine.c.landing_id)
            .where(quarantine.c.quarantine_id == quarantine_id)
        ).first()
        if row is None or row.status != "open":
            reason = "not in quarantine" if row is None else f"already {row.status}"
            return ReplayResult(quarantine_id, False, [{"message": reason}])
        payload = fixed_payload if fixed_payload is not None else orjson.loads(row.payload)
        problem = None if fixed_payload is not None else row.problem
        raw = RawRecord(
            row.record_kind,
            row.source_key or payload.get("source_key"),
            payload,
            problem=problem,
            origin=row.origin,
        )
        landing_id = row.landing_id
        if fixed_payload is not None:
            landing_id = _land_fix(session.conn, row, raw)
        report = SourceReport(source=row.source, kind="replay", run_id=row.run_id)
        pipeline = PagePipeline(
            store=store,
            source=row.source,
            source_system=SourceSystem(row.source_system).value,
            context=MappingContext(
                source_system=row.source_system,
                run_id=f"replay-{row.run_id}",
                district_code=district_code,
            ),
            gate=gate,
            report=report,
        )
        reasons = pipeline.replay(session, raw, landing_id)
        values: dict[str, Any] = (
            {"status": "replayed", "resolved_at": utc_now()}
            if not reasons
            else {
                "reasons": dumps([r.as_dict() for r in reasons]),
                "stage": reasons[0].stage,
                # a steward's fix that still fails is what stays held (and what release retries)
                "landing_id": landing_id,
            }
        )
        session.conn.execute(
            update(quarantine).where(quarantine.c.quarantine_id == quarantine_id).values(**values)
        )
        return ReplayResult(quarantine_id, not reasons, [r.as_dict() for r in reasons])


def _land_fix(conn: Any, row: Any, raw: RawRecord) -> int:
    """A steward's corrected payload is landed as a new version, never overwriting the original."""
    from sqlalchemy import insert

    result = conn.execute(
        insert(landing)
        .returning(landing.c.landing_id)
        .values(
            run_id=row.run_id,
            source=row.source,
            source_system=row.source_system,
            record_kind=row.record_kind,
            source_key=raw.source_key,
            content_hash=raw.content_hash,
            payload=dumps(raw.payload),
            problem=None,
            origin=f"steward fix of quarantine {row.quarantine_id}",
            pulled_at=utc_now(),
        )
    )
    return int(result.scalar_one())
