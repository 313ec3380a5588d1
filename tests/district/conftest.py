"""A small simulated district with defects, synced as `hub sync` does, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.canonical import load_canonical_resources
from hub.ingest.report import SourceReport
from hub.store import FhirStore, open_store
from hub.store.schema import metadata
from tests.district.checks import DistrictCheck, check_district

PATIENTS, YEARS, SEED = 40, 1, 23


@dataclass(frozen=True)
class SyncedDistrict:
    """The simulation folder (with truth/), the store it was synced into, and the reports."""

    root: Path
    store: FhirStore
    reports: dict[str, SourceReport]


def simulate_district(root: Path, patients: int, years: int, seed: int) -> Path:
    """A district with the default noise and defects scaled up, so a small one has each kind."""
    from simulators import DefectConfig, simulate

    simulate(patients, years, seed, root, defects=DefectConfig().scaled(4))
    return root


def sync_district(root: Path, store: FhirStore) -> dict[str, SourceReport]:
    """What `hub sync` does: canonical resources, every source through the gate, linkage."""
    from connectors import connector_class
    from connectors.base import Connector
    from hub.ingest.runner import run_sync
    from hub.ingest.sources import load_sources
    from hub.wiring import identity_linker, quality_gate
    from tests.connectors.fake_agency import FakeAgency

    load_canonical_resources(store)
    agency = FakeAgency.from_store(root / "agency" / "agency.sqlite")

    def factory(name: str, kind: str, options: dict[str, Any]) -> Connector:
        if kind == "agency_api":
            return agency.connector(name, page_size=200)
        return connector_class(kind).from_config(name, options, secret=lambda _n: None)

    gate = quality_gate(store)
    reports = run_sync(
        store=store,
        config=load_sources(root / "sources.toml"),
        factory=factory,
        gate=gate,
        linker=identity_linker(store),
    )
    return {r.source: r for r in reports}


def _empty(store: FhirStore) -> None:
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def district_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated district's files (read-only)."""
    return simulate_district(tmp_path_factory.mktemp("district_check"), PATIENTS, YEARS, SEED)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def synced(
    request: pytest.FixtureRequest,
    district_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SyncedDistrict]:
    """The district synced into a fresh store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('district_store') / 'hub.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = open_store(url)
    _empty(store)  # the run's PostgreSQL database is shared with the other tests
    try:
        yield SyncedDistrict(district_root, store, sync_district(district_root, store))
    finally:
        _empty(store)
        store.engine.dispose()


@pytest.fixture(scope="module")
def checked(synced: SyncedDistrict) -> DistrictCheck:
    """The whole-store checks, run once per backend."""
    return check_district(synced.store, synced.root / "truth")
