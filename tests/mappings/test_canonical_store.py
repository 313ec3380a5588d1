"""The shipped canonical resources reach the store at start-up, once, and the API serves them."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import mappings
from hub.api import create_app
from hub.canonical import load_canonical_resources
from hub.cli import app as cli
from hub.codesystems import hub_code_systems
from hub.config import Settings
from hub.store import FhirStore, open_store
from hub.store.schema import metadata, resource, resource_history

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's note about httpx2 for its test client
    from fastapi.testclient import TestClient

_CANONICAL_TYPES = ("Questionnaire", "CodeSystem", "ValueSet", "ConceptMap")


def _shipped(resource_type: str) -> list[dict[str, Any]]:
    return [r for r in mappings.canonical_resources() if r["resourceType"] == resource_type]


def _without_meta(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "meta"}


def _versions(store: FhirStore) -> dict[tuple[str, str], int]:
    """(type, id) -> current version of every canonical resource in the store."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(resource.c.resource_type, resource.c.resource_id, resource.c.version_id).where(
                resource.c.resource_type.in_(_CANONICAL_TYPES)
            )
        )
        return {(r.resource_type, r.resource_id): r.version_id for r in rows}


def _history_rows(store: FhirStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(resource_history)).scalar_one())


@pytest.fixture
def hub_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The hub's settings point at an empty database (each backend) and a scratch folder."""
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "var"))
    store = open_store(database_url)
    with store.engine.begin() as conn:  # the PostgreSQL database is shared by the run
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    store.engine.dispose()
    return database_url


@pytest.fixture
def api(hub_env: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the app over the store the CLI wrote to."""
    store = open_store(hub_env)
    settings = Settings(data_dir=tmp_path / "var", base_url="http://hub.test/fhir")
    with TestClient(create_app(settings, store), base_url="http://hub.test") as client:
        yield client
    store.engine.dispose()


def _entries(client: TestClient, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/fhir/Questionnaire?{query}")
    assert response.status_code == 200, response.text
    return [e["resource"] for e in response.json().get("entry", [])]


def test_db_upgrade_loads_every_shipped_questionnaire_for_search(
    hub_env: str, api: TestClient
) -> None:
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    shipped = _shipped("Questionnaire")
    assert shipped
    for questionnaire in shipped:
        url, version = questionnaire["url"], questionnaire["version"]
        found = _entries(api, f"url={url}")
        assert [_without_meta(r) for r in found] == [questionnaire]
        versioned = _entries(api, f"url={url}&version={version}")
        assert [r["id"] for r in versioned] == [questionnaire["id"]]
        assert _entries(api, f"url={url}&version={version}.9") == []


def test_every_kind_of_canonical_resource_is_stored(hub_env: str) -> None:
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    store = open_store(hub_env)
    shipped = [*mappings.canonical_resources(), *hub_code_systems()]
    expected = {(r["resourceType"], r["id"]) for r in shipped}
    assert set(_versions(store)) == expected
    store.engine.dispose()


def test_starting_twice_writes_no_new_version(
    hub_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.commands.serve

    served: list[Any] = []
    monkeypatch.setattr(hub.commands.serve, "serve_store", lambda *a, **k: served.append(a))
    for _ in range(2):
        result = CliRunner().invoke(cli, ["serve"])
        assert result.exit_code == 0, result.output
    assert len(served) == 2
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    store = open_store(hub_env)
    versions = _versions(store)
    assert len(versions) == len(mappings.canonical_resources()) + len(hub_code_systems())
    assert set(versions.values()) == {1}
    assert _history_rows(store) == 0
    store.engine.dispose()


def test_sync_and_demo_load_them_before_pulling(
    hub_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.commands.demo
    import hub.commands.sync

    seen: list[int] = []

    def run_configured(store: FhirStore, *_a: Any, **_k: Any) -> list[Any]:
        seen.append(len(_versions(store)))
        return []

    monkeypatch.setattr(hub.commands.sync, "run_configured", run_configured)
    monkeypatch.setattr(hub.commands.demo, "_after_sync", lambda *_a: None)
    sources = tmp_path / "var" / "district" / "sources.toml"
    sources.parent.mkdir(parents=True)
    sources.write_text('[district]\ncode = "310104"\nname = "d"\n\n[sources]\n')
    assert CliRunner().invoke(cli, ["sync", "--sources", str(sources)]).exit_code == 0
    assert CliRunner().invoke(cli, ["demo", "--no-serve"]).exit_code == 0
    assert seen == [len(mappings.canonical_resources()) + len(hub_code_systems())] * 2


def test_a_new_definition_version_is_a_new_resource_version(
    hub_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(hub_env)
    load_canonical_resources(store)
    shipped = mappings.canonical_resources()
    changed = next(r for r in shipped if r["id"] == "ssrs")
    changed["version"] = "1.0.1"
    monkeypatch.setattr(mappings, "canonical_resources", lambda: shipped)
    summary = load_canonical_resources(store)
    assert (summary.created, summary.updated) == (0, 1)
    assert _versions(store)[("Questionnaire", "ssrs")] == 2
    assert store.vread("Questionnaire", "ssrs", 1).as_dict()["version"] == "1.0.0"
    assert load_canonical_resources(store).updated == 0
    store.engine.dispose()
