"""A clean simulated district synced into a SQLite store, shared by the statistics tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hub.ingest.runner import default_factory, run_sync
from hub.ingest.sources import load_sources
from hub.store import FhirStore, open_store

START = date(2023, 1, 1)
END = date(2023, 12, 31)


@dataclass(frozen=True)
class SyncedDistrict:
    """The simulation folder (with truth/) and the store it was synced into."""

    root: Path
    store: FhirStore


def synced_district(root: Path, patients: int = 40) -> SyncedDistrict:
    """Simulate a clean one-year district and sync the hospital and the station into SQLite."""
    from simulators import DefectConfig, NoiseConfig, simulate

    sim = root / "sim"
    simulate(patients, 1, 7, sim, noise=NoiseConfig.clean(), defects=DefectConfig.clean())
    store = open_store(f"sqlite:///{(root / 'hub.sqlite').as_posix()}")
    config = load_sources(sim / "sources.toml")
    wanted = [name for name, s in config.sources.items() if s.kind != "agency_api"]
    reports = run_sync(
        store=store, config=config, factory=default_factory(lambda _n: None), only=wanted
    )
    assert all(r.status == "succeeded" for r in reports), [r.error for r in reports]
    return SyncedDistrict(sim, store)
