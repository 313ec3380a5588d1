"""A simulated district synced into a sealed store: no resident ID or phone in any table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from sqlalchemy import MetaData, Table, inspect, select

from connectors import connector_class
from connectors.base import Connector
from hub.config import IdentitySettings
from hub.identity.review import find_matches
from hub.ingest.report import SourceReport
from hub.ingest.runner import run_sync
from hub.ingest.schema import landing
from hub.ingest.sources import load_sources
from hub.store import FhirStore
from hub.store.engine import make_engine
from hub.store.schema import resource
from hub.wiring import identity_linker, identity_settings, quality_gate
from tests.connectors.conftest import District, simulate_district
from tests.connectors.fake_agency import FakeAgency

# An 18-character ID or an 11-digit mobile standing as a word of its own (a run of digits
# inside a uuid or a hash is neither); test-local on purpose, not the sealer's pattern.
_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A 40-patient district for this module."""
    return simulate_district(tmp_path_factory.mktemp("sealed_district"))


def _sync(store: FhirStore, root: Path) -> list[SourceReport]:
    config = load_sources(root / "sources.toml")
    agency = FakeAgency.from_store(root / "agency" / "agency.sqlite")

    def factory(name: str, kind: str, options: dict[str, Any]) -> Connector:
        if kind == "agency_api":
            return agency.connector(name, page_size=50)
        return connector_class(kind).from_config(name, options, secret=lambda _n: None)

    gate = quality_gate(store)
    reports = run_sync(
        store=store, config=config, factory=factory, gate=gate, linker=identity_linker(store)
    )
    gate.save(store)
    assert all(r.status == "succeeded" for r in reports), [r.error for r in reports]
    return reports


def _true_numbers(district: District) -> set[str]:
    """The district's true resident IDs and mobiles."""
    truth = pd.read_parquet(district.root / "truth" / "persons.parquet")
    return {str(v) for v in [*truth["resident_id"], *truth["phone"]] if v}


def _revealed_numbers(store: FhirStore) -> set[str]:
    """Every number the hub reads back in clear from landing payloads and resources."""
    numbers: set[str] = set()
    with store.reading() as session:
        for (text,) in session.conn.execute(select(landing.c.payload)):
            numbers.update(_NUMBER.findall(text))
        for (text,) in session.conn.execute(
            select(resource.c.content).where(resource.c.content.is_not(None))
        ):
            numbers.update(_NUMBER.findall(text))
    return numbers


def _tables_in_clear(store: FhirStore) -> dict[str, str]:
    """Every table's rows as text, read on an engine without the sealer."""
    raw = make_engine(store.engine.url.render_as_string(hide_password=False))
    try:
        out: dict[str, str] = {}
        with raw.connect() as conn:
            for name in inspect(conn).get_table_names():
                table = Table(name, MetaData(), autoload_with=conn)
                out[name] = "\n".join(str(tuple(r)) for r in conn.execute(select(table)))
        return out
    finally:
        raw.dispose()


def test_a_synced_district_holds_no_number_in_clear_and_still_links(
    sealed_store: FhirStore, district: District
) -> None:
    """Resources, history, index, landing, quarantine, identity, audit: all scanned."""
    _sync(sealed_store, district.root)
    true, revealed = _true_numbers(district), _revealed_numbers(sealed_store)
    # the hub reads the district's numbers back: the scan looks for values really stored
    assert len(true & revealed) >= len(true) // 2
    tables = _tables_in_clear(sealed_store)
    assert {"resource", "resource_history", "idx_token", "landing", "identity_state"} <= set(tables)
    numbers = true | revealed
    leaks = {name: numbers.intersection(_NUMBER.findall(text)) for name, text in tables.items()}
    assert {name: sorted(found)[:3] for name, found in leaks.items() if found} == {}
    # the true numbers are looked for anywhere, even glued to other characters
    assert [name for name, text in tables.items() if any(n in text for n in true)] == []
    _assert_match_finds_a_stored_patient(sealed_store)
    # sealed hashes still recognise unchanged records: a second sync stores nothing
    again = _sync(sealed_store, district.root)
    assert [(r.stored, r.quarantined) for r in again] == [(0, 0)] * len(again)


def _revealed_texts(store: FhirStore) -> list[str]:
    with store.reading() as session:
        rows = session.conn.execute(
            select(resource.c.content).where(resource.c.resource_type == "Patient")
        )
        return [text for (text,) in rows if text]


def _assert_match_finds_a_stored_patient(store: FhirStore) -> None:
    """Patient/$match on a stored patient's resident ID and name finds its golden record."""
    patients = [orjson.loads(t) for t in _revealed_texts(store)]
    source = next(
        p
        for p in patients
        if any(_NUMBER.fullmatch(str(i.get("value", ""))) for i in p.get("identifier", []))
        and p.get("name")
    )
    probe = {k: source[k] for k in ("name", "identifier", "birthDate", "gender") if k in source}
    matches = find_matches(store, {"resourceType": "Patient", **probe}, settings=_settings())
    assert matches, "no match for a stored patient"
    best = matches[0].patient
    wanted = {i["value"] for i in source["identifier"] if _NUMBER.fullmatch(str(i["value"]))}
    assert wanted & {str(i.get("value")) for i in best.get("identifier", [])}


def _settings() -> Any:
    return identity_settings(IdentitySettings())
