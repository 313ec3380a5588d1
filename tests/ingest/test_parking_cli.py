"""``hub quarantine replay``: fixing a parent brings back the children parked behind it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from connectors.base import Page
from hub.cli import app
from hub.config import Settings
from hub.domain.identifiers import stable_id
from hub.ingest.quarantine import list_quarantine
from hub.security.at_rest import field_sealer
from hub.store import open_store
from hub.store.errors import ResourceNotFound
from hub.wiring import quality_gate
from tests.ingest.test_parking import DISTRICT, _pipeline, _registration, _visit


def test_replaying_a_fixed_parent_releases_its_parked_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUB_DISTRICT_CODE", DISTRICT)
    store = open_store(url, sealer=field_sealer(Settings()))  # sealed, as the CLI opens it
    try:
        page = [_registration(sex="7"), _visit("V9")]
        _pipeline(store, quality_gate(store)).land_page(Page(records=page, cursor={"page": 1}))
        held = {q.record_kind: q for q in list_quarantine(store)}
        assert held["station.follow_up"].stage == "references"
        fix = tmp_path / "fix.json"
        fix.write_bytes(orjson.dumps(_registration().payload))
        parent = str(held["station.registration"].quarantine_id)

        result = CliRunner().invoke(app, ["quarantine", "replay", parent, "--payload", str(fix)])

        assert result.exit_code == 0, result.output
        assert "replayed 1: 1 stored" in result.output
        assert "released 1 records waiting for a missing reference; 0 still wait" in result.output
        assert list_quarantine(store) == []
        encounter = stable_id("station", "Encounter", "follow_up|V9")
        try:
            store.read("Encounter", encounter)
        except ResourceNotFound:
            pytest.fail("the parked visit was not stored after its registration's fix")
    finally:
        store.engine.dispose()
