"""Running a sync: one run per source; a failing source never stops the rest."""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import insert, update

from connectors import connector_class
from connectors.base import Connector, Page, RunStats
from connectors.errors import SourceUnavailable
from hub.domain.codes import SourceSystem
from hub.ingest.parallel import MappingPool, PipelinedLanding
from hub.ingest.parking import release_parked
from hub.ingest.pipeline import PagePipeline, load_cursor
from hub.ingest.references import MISSING_CHECK, REFERENCE_STAGE
from hub.ingest.report import SourceReport
from hub.ingest.schema import ingest_run
from hub.ingest.seams import Linker, NoChecks, NoLinking, QualityGate
from hub.ingest.sources import SourcesConfig
from hub.store import FhirStore
from hub.store.documents import dumps, utc_now
from mappings import MappingContext

__all__ = ["ConnectorFactory", "run_source", "run_sync"]

log = logging.getLogger("hub.ingest")

#: Builds a connector from (source name, its config options); the CLI provides secrets.
ConnectorFactory = Callable[[str, str, dict[str, Any]], Connector]


def default_factory(secret: Callable[[str], str | None]) -> ConnectorFactory:
    """Connectors built through the registry, their secrets read by ``secret(env_name)``."""

    def build(name: str, kind: str, options: dict[str, Any]) -> Connector:
        return connector_class(kind).from_config(name, options, secret=secret)

    return build


def run_source(
    *,
    store: FhirStore,
    name: str,
    connector: Connector,
    district_code: str,
    gate: QualityGate,
    on_page: Callable[[SourceReport], None] | None = None,
    patient_ids: list[str] | None = None,
    pool: MappingPool | None = None,
) -> SourceReport:
    """Pull one source to the end, land and process every page, and report.

    The ids of the source Patients it stored are appended to ``patient_ids`` for linkage.
    With a ``pool``, pages are mapped in its worker processes while this one pulls and
    commits (``hub.ingest.parallel``).
    """
    run_id = str(uuid.uuid4())
    report = SourceReport(source=name, kind=connector.kind, run_id=run_id)
    started, start_clock = utc_now(), time.perf_counter()
    with store.begin() as session:
        session.conn.execute(
            insert(ingest_run).values(
                run_id=run_id, source=name, started_at=started, status="running"
            )
        )
        cursor = load_cursor(session.conn, name)
    pipeline = PagePipeline(
        store=store,
        source=name,
        source_system=SourceSystem(connector.source_system).value,
        context=MappingContext(
            source_system=connector.source_system,
            run_id=run_id,
            district_code=district_code,
            run_started_at=started,
        ),
        gate=gate,
        report=report,
    )
    try:
        stats = _pull(connector, pipeline, cursor, on_page, pool)
        report.retries, report.retry_reasons = stats.retries, dict(stats.retry_reasons)
        report.status = "succeeded"
    except SourceUnavailable as exc:
        report.status, report.error = "failed", f"source {name!r} is unavailable: {exc}"
        report.retries, report.retry_reasons = (
            connector.stats.retries,
            dict(connector.stats.retry_reasons),
        )
    except Exception as exc:  # one source's failure must not stop the others; logged in full
        log.exception("sync of %s failed", name)
        report.status, report.error = (
            "failed",
            f"source {name!r} failed: {type(exc).__name__}: {exc}",
        )
    report.add_seconds("pull", connector.stats.pull_seconds)
    with pipeline.timing("release"):
        released = _release(store, report, district_code)
    if patient_ids is not None:
        patient_ids.extend(pipeline.patient_ids)
    report.duration_seconds = round(time.perf_counter() - start_clock, 3)
    with store.begin() as session:
        session.conn.execute(
            update(ingest_run)
            .where(ingest_run.c.run_id == run_id)
            .values(
                finished_at=utc_now(),
                status=report.status,
                report=dumps({**report.as_dict(), "released_from_quarantine": released}),
                error=report.error,
            )
        )
    return report


def _release(store: FhirStore, report: SourceReport, district_code: str) -> int:
    """Store the parked records (any source's) whose targets now exist; how many left.

    A record this very run parked and released counts as stored in its report, not as
    quarantined, so the report still says what became of every pulled record. A parked
    record passed every check before it was parked, so the sync's gate does not see it
    again (its tallies would count the record twice).
    """
    try:
        summary = release_parked(
            store, district_code=district_code, gate=NoChecks(), run_id=report.run_id
        )
    except Exception:  # the pages are committed; a failed release is retried next run
        log.exception("release of parked records after %s failed", report.source)
        return 0
    reason = f"{REFERENCE_STAGE}:{MISSING_CHECK}"
    for item in summary.released:
        if item.source != report.source:
            continue
        report.count_resources(item.by_type)
        if item.run_id == report.run_id and report.quarantined_by_reason.get(reason, 0) > 0:
            report.quarantined -= 1
            report.quarantined_by_reason[reason] -= 1
            report.new += 1
    report.quarantined_by_reason = {k: v for k, v in report.quarantined_by_reason.items() if v}
    return len(summary.released)


def _pull(
    connector: Connector,
    pipeline: PagePipeline,
    cursor: Any,
    on_page: Callable[[SourceReport], None] | None,
    pool: MappingPool | None,
) -> RunStats:
    if pool is None:
        return connector.run(_ReportingLanding(pipeline, on_page), cursor)
    return connector.run_pipelined(_ReportingPipeline(pipeline, pool, on_page), cursor)


class _ReportingLanding:
    """The pipeline as landing port, telling the caller after every page (progress bars)."""

    def __init__(
        self, pipeline: PagePipeline, on_page: Callable[[SourceReport], None] | None
    ) -> None:
        self.pipeline, self.on_page = pipeline, on_page

    def land_page(self, page: Any) -> None:
        self.pipeline.land_page(page)
        if self.on_page is not None:
            self.on_page(self.pipeline.report)


class _ReportingPipeline(PipelinedLanding):
    """The pipelined landing port, telling the caller after every committed page."""

    def __init__(
        self,
        pipeline: PagePipeline,
        pool: MappingPool,
        on_page: Callable[[SourceReport], None] | None,
    ) -> None:
        super().__init__(pipeline, pool)
        self.on_page = on_page

    def submit(self, page: Page) -> list[Page]:
        committed = super().submit(page)
        if committed and self.on_page is not None:
            self.on_page(self.pipeline.report)
        return committed


def run_sync(
    *,
    store: FhirStore,
    config: SourcesConfig,
    factory: ConnectorFactory,
    only: Iterable[str] | None = None,
    gate: QualityGate | None = None,
    linker: Linker | None = None,
    on_page: Callable[[SourceReport], None] | None = None,
    workers: int = 0,
) -> list[SourceReport]:
    """Every configured source (or only the named ones), each in its own run, then linkage.

    ``workers`` > 0 maps pages in that many worker processes (one pool for every source);
    0 does everything in this process.

    Linkage runs once, after every source, over all the source Patients the sync stored:
    a person's records from different systems can only be linked when all are in. A
    linkage failure is reported on every source's report (``linked["error"]``) but does
    not undo the ingest: the records are stored and the next sync links them.
    """
    wanted = list(only) if only else list(config.sources)
    unknown = [n for n in wanted if n not in config.sources]
    if unknown:
        raise KeyError(
            f"no source named {unknown[0]!r} in the sources file "
            f"(known: {', '.join(config.sources)})"
        )
    gate = gate or NoChecks()
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(MappingPool(workers, gate)) if workers > 0 else None
        reports, patient_ids = _run_sources(store, config, factory, wanted, gate, on_page, pool)
    started = time.perf_counter()
    linked = _link(linker or NoLinking(), patient_ids)
    link_seconds = time.perf_counter() - started
    for report in reports:
        report.linked = linked
        report.stage_seconds["link (whole sync)"] = link_seconds
    return reports


def _run_sources(
    store: FhirStore,
    config: SourcesConfig,
    factory: ConnectorFactory,
    wanted: list[str],
    gate: QualityGate,
    on_page: Callable[[SourceReport], None] | None,
    pool: MappingPool | None,
) -> tuple[list[SourceReport], list[str]]:
    reports: list[SourceReport] = []
    patient_ids: list[str] = []
    for name in wanted:
        source = config.sources[name]
        try:
            connector = factory(name, source.kind, source.options)
        except (KeyError, ValueError, SourceUnavailable) as exc:
            report = SourceReport(
                source=name,
                kind=source.kind,
                run_id="-",
                status="failed",
                error=f"source {name!r} cannot be set up: {exc}",
            )
            reports.append(report)
            continue
        reports.append(
            run_source(
                store=store,
                name=name,
                connector=connector,
                district_code=config.district.code,
                gate=gate,
                on_page=on_page,
                patient_ids=patient_ids,
                pool=pool,
            )
        )
    return reports, patient_ids


def _link(linker: Linker, patient_ids: list[str]) -> dict[str, Any]:
    """Run linkage; a failure becomes a sentence in the report, with the details in the log."""
    if not patient_ids:
        return {}
    try:
        return dict(linker.link(patient_ids))
    except Exception as exc:  # linkage must never lose the stored records; logged in full
        log.exception("identity linkage failed")
        return {"error": f"identity linkage failed: {type(exc).__name__}: {exc}"}
