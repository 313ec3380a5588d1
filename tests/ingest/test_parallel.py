"""Pages mapped in worker processes: the same outcome as in one process, committed in order."""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from connectors import connector_class
from connectors.base import Connector, Cursor, Page, RawRecord
from connectors.errors import SourceUnavailable
from hub.ingest.parallel import MappingPool
from hub.ingest.report import SourceReport
from hub.ingest.runner import run_source, run_sync
from hub.ingest.schema import connector_state, landing, quarantine, source_record
from hub.ingest.seams import NoChecks
from hub.ingest.sources import load_sources
from hub.store import FhirStore, open_store
from hub.store.schema import resource
from hub.wiring import SyncGate, quality_gate
from tests.connectors.conftest import District, simulate_district
from tests.connectors.fake_agency import FakeAgency


@pytest.fixture(scope="module")
def parallel_district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A 40-patient district for this module."""
    return simulate_district(tmp_path_factory.mktemp("parallel_district"))


@pytest.fixture(scope="module")
def pool() -> Iterator[MappingPool]:
    """Two mapping workers with the sync's gate, shared by this module's tests."""
    with MappingPool(2, quality_gate(None)) as workers:  # type: ignore[arg-type]
        yield workers


def _sync(store: FhirStore, root: Path, workers: int, gate: SyncGate) -> dict[str, SourceReport]:
    config = load_sources(root / "sources.toml")
    agency = FakeAgency.from_store(root / "agency" / "agency.sqlite")

    def factory(name: str, kind: str, options: dict[str, Any]) -> Connector:
        if kind == "agency_api":
            return agency.connector(name, page_size=50)
        options = {**options, "rows_per_page": 40, "page_size": 60, "messages_per_page": 3}
        return connector_class(kind).from_config(name, options, secret=lambda _n: None)

    reports = run_sync(store=store, config=config, factory=factory, gate=gate, workers=workers)
    return {r.source: r for r in reports}


def _stored(store: FhirStore) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """Every current resource's (type, id), and the content hash of all but Provenance."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(resource.c.resource_type, resource.c.resource_id, resource.c.content_hash)
        ).all()
    ids = {(r.resource_type, r.resource_id) for r in rows}
    # a Provenance names its run, which differs between the two syncs
    hashes = {tuple(r) for r in rows if r.resource_type != "Provenance"}
    return ids, hashes


def _quarantined(store: FhirStore) -> set[tuple[str, str | None, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(quarantine.c.record_kind, quarantine.c.source_key, quarantine.c.reasons)
        ).all()
    # reasons are text on SQLite and jsonb (keys reordered) on PostgreSQL: compare them parsed
    return {
        (
            r.record_kind,
            r.source_key,
            orjson.dumps(
                orjson.loads(r.reasons) if isinstance(r.reasons, str) else r.reasons,
                option=orjson.OPT_SORT_KEYS,
            ).decode(),
        )
        for r in rows
    }


def _copy(district: District, root: Path) -> Path:
    """A private copy of the district's sources (the ADT connector writes ACK files)."""
    shutil.copytree(district.root, root)
    text = (root / "sources.toml").read_text(encoding="utf-8")
    (root / "sources.toml").write_text(text.replace(str(district.root), str(root)))
    return root


def test_workers_store_and_quarantine_what_one_process_does(
    store: FhirStore, parallel_district: District, tmp_path: Path
):
    parallel_gate, serial_gate = quality_gate(store), quality_gate(store)
    parallel = _sync(store, _copy(parallel_district, tmp_path / "a"), 2, parallel_gate)
    serial_store = open_store(f"sqlite:///{tmp_path / 'serial.sqlite'}")
    try:
        serial = _sync(serial_store, _copy(parallel_district, tmp_path / "b"), 0, serial_gate)
        assert _stored(store) == _stored(serial_store)
        assert _quarantined(store) == _quarantined(serial_store)
    finally:
        serial_store.engine.dispose()
    for name, report in parallel.items():
        assert report.status == "succeeded", report.error
        assert report.pages > 1, name
        counted = ("pulled", "new", "changed", "unchanged", "quarantined", "resources_stored")
        assert [getattr(report, c) for c in counted] == [getattr(serial[name], c) for c in counted]
        assert report.warnings_by_check == serial[name].warnings_by_check
        assert report.stage_seconds["map"] > 0  # measured in the workers, brought back
    # the workers' raw and FHIR check tallies reach the sync's gate
    assert parallel_gate.results() == serial_gate.results()


class _ScriptedSource(Connector):
    """Pages from a list; raises SourceUnavailable where the list holds None."""

    kind, source_system = "scripted", "station"

    def __init__(self, pages: list[Page | None]) -> None:
        super().__init__("scripted")
        self.script, self.acknowledged = pages, []  # type: ignore[var-annotated]

    @classmethod
    def from_config(
        cls, name: str, options: dict[str, Any], *, secret: Callable[[str], str | None]
    ) -> Connector:
        raise NotImplementedError

    def fetch_page(self, cursor: Cursor) -> Page | None:
        number = int(cursor.get("page", 0))
        if number >= len(self.script):
            return None
        page = self.script[number]
        if page is None:
            raise SourceUnavailable("the source went away")
        return page

    def after_landed(self, page: Page) -> None:
        self.acknowledged.append(page.cursor["page"])


def _care_team(key: str, role: str = "police") -> RawRecord:
    payload = {
        "member_id": key,
        "registration_no": "3101040000001",
        "name": "李四",
        "role": role,
        "phone": "13800000000",
    }
    return RawRecord("station.care_team_member", key, payload, origin=key)


def _run(store: FhirStore, connector: Connector, pool: MappingPool) -> SourceReport:
    return run_source(
        store=store,
        name="scripted",
        connector=connector,
        district_code="310104",
        gate=NoChecks(),
        pool=pool,
    )


def test_a_record_pulled_again_before_its_page_commits_counts_as_unchanged(
    store: FhirStore, pool: MappingPool
):
    same, other = _care_team("M1"), _care_team("M2")
    pages = [Page([same], {"page": 1}), Page([same, other], {"page": 2})]
    connector = _ScriptedSource(pages)
    report = _run(store, connector, pool)
    assert report.status == "succeeded", report.error
    # M1 is processed once (stored, or quarantined when its patient is unknown), M2 once
    assert (report.pulled, report.unchanged) == (3, 1)
    assert report.new + report.changed + report.quarantined == 2
    assert connector.acknowledged == [1, 2]  # every page, in order, once committed
    with store.engine.connect() as conn:
        landed = conn.execute(select(func.count()).select_from(landing)).scalar_one()
        states = conn.execute(select(func.count()).select_from(source_record)).scalar_one()
    assert (landed, states) == (2, 2)


def test_pages_pulled_before_a_source_failure_are_committed(store: FhirStore, pool: MappingPool):
    pages = [Page([_care_team("M1")], {"page": 1}), Page([_care_team("M2")], {"page": 2}), None]
    connector = _ScriptedSource(pages)
    report = _run(store, connector, pool)
    assert report.status == "failed"
    assert "went away" in (report.error or "")
    with store.engine.connect() as conn:
        cursor = conn.execute(select(connector_state.c.cursor)).scalar_one()
        states = conn.execute(select(func.count()).select_from(source_record)).scalar_one()
    assert orjson.loads(cursor) == {"page": 2}
    assert states == 2
    assert connector.acknowledged == [1, 2]


def test_a_sync_with_nothing_new_starts_no_worker(store: FhirStore):
    record = _care_team("M1")
    with MappingPool(1, NoChecks()) as first:
        assert _run(store, _ScriptedSource([Page([record], {"page": 1})]), first).pulled == 1
    before = len(multiprocessing.active_children())
    again = _ScriptedSource([Page([], {"page": 1}), Page([record], {"page": 2})])
    with MappingPool(1, NoChecks()) as pool:
        report = _run(store, again, pool)
        assert (report.pulled, report.unchanged) == (1, 1)
        assert len(multiprocessing.active_children()) == before
