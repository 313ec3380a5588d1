"""A small simulated district synced through the real connectors with the real linker."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from connectors import connector_class
from connectors.base import Connector
from hub.ingest.report import SourceReport
from hub.ingest.runner import run_sync
from hub.ingest.sources import load_sources
from hub.store import FhirStore
from hub.wiring import identity_linker
from tests.connectors.fake_agency import FakeAgency

PATIENT_SID = "https://carehub.org/fhir/sid/"


def source_names(root: Path) -> list[str]:
    """The district's sources, in the order its sources file lists them."""
    return list(load_sources(root / "sources.toml").sources)


def sync_district(
    store: FhirStore, root: Path, only: Sequence[str] | None = None
) -> list[SourceReport]:
    """Sync every source (or only these) of the district at ``root``, linking identities."""
    config = load_sources(root / "sources.toml")
    agency = FakeAgency.from_store(root / "agency" / "agency.sqlite")

    def factory(name: str, kind: str, options: dict[str, Any]) -> Connector:
        if kind == "agency_api":
            return agency.connector(name, page_size=50)
        return connector_class(kind).from_config(name, options, secret=lambda _n: None)

    reports = run_sync(
        store=store, config=config, factory=factory, only=only, linker=identity_linker(store)
    )
    assert all(r.status == "succeeded" for r in reports), [r.error for r in reports]
    return reports


def true_persons(root: Path, patients: list[dict[str, Any]]) -> dict[str, str]:
    """Source Patient id -> the simulator's person id, by the Patient's source identifier."""
    truth = pd.read_parquet(root / "truth" / "record_persons.parquet")
    person = {
        (str(s), str(k)): str(p)
        for s, k, p in zip(
            truth["source_system"], truth["source_key"], truth["person_id"], strict=True
        )
    }
    found: dict[str, str] = {}
    for patient in patients:
        for ident in patient.get("identifier") or []:
            system = str(ident.get("system") or "")
            if system.startswith(PATIENT_SID) and system.endswith("-patient"):
                source = system[len(PATIENT_SID) : -len("-patient")]
                key = (source, str(ident.get("value")))
                if key in person:
                    found[patient["id"]] = person[key]
    return found
