"""Identity on the real store: a simulated district synced, linked, reviewed and re-synced."""

from __future__ import annotations

import shutil
import warnings
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from hub.api import create_app
from hub.config import Settings
from hub.identity import pairwise_scores
from hub.identity.review import relink, split_records
from hub.identity.store_adapters import (
    StoreDecisionLog,
    StorePatientReader,
    StoreResolutionState,
    is_golden,
)
from hub.store import FhirStore
from hub.wiring import identity_settings
from tests.identity.district_sync import source_names, sync_district, true_persons

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2 for its test client
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow
BASE = "http://hub.test/fhir"


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 60-patient, one-year simulated district (read-only)."""
    from simulators.simulate import simulate

    root = tmp_path_factory.mktemp("identity_district")
    simulate(60, 1, 11, root)
    return root


def _clusters(store: FhirStore) -> dict[str, str]:
    saved = StoreResolutionState(store).load()
    assert saved is not None
    return saved[1].clustering.cluster_of


def _client(store: FhirStore, tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path / "var", base_url=BASE)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return TestClient(create_app(settings, store), base_url="http://hub.test")


def test_sync_links_the_district_against_ground_truth(store: FhirStore, district: Path) -> None:
    sync_district(store, district)
    sources = StorePatientReader(store).patients(None)
    truth = true_persons(district, sources)
    assert len(truth) >= 0.9 * len(sources)  # the score covers most records
    cluster_of = _clusters(store)
    assert set(cluster_of) == {p["id"] for p in sources}
    scores = pairwise_scores({k: cluster_of[k] for k in truth}, truth)
    assert scores.precision >= 0.99
    assert scores.recall >= 0.95
    with store.reading() as session:
        for patient in sources:
            golden_id = cluster_of[patient["id"]]
            refer = [x for x in patient.get("link", []) if x["type"] == "refer"]
            assert refer == [{"other": {"reference": f"Patient/{golden_id}"}, "type": "refer"}]
            golden = session.read("Patient", golden_id).as_dict()
            assert is_golden(golden)
            seealso = {x["other"]["reference"] for x in golden["link"] if x["type"] == "seealso"}
            assert f"Patient/{patient['id']}" in seealso


def test_the_incremental_sync_forms_the_clusters_of_a_full_relink(
    store: FhirStore, district: Path
) -> None:
    *first, last = source_names(district)
    sync_district(store, district, only=first)  # the first run links everyone
    (report, *_) = sync_district(store, district, only=[last])  # then only the new source
    assert 0 < report.linked["records_relinked"] < len(_clusters(store))
    incremental = _clusters(store)
    saved = StoreResolutionState(store).load()
    assert saved is not None
    counts = relink(store, identity_settings())  # everyone afresh, with the same model
    assert counts["records_relinked"] == len(incremental)
    assert _clusters(store) == incremental
    again = StoreResolutionState(store).load()
    assert again is not None
    assert again[1].model == saved[1].model


def _merged_pair(cluster_of: dict[str, str]) -> tuple[str, str]:
    """Two source records the sync put in one golden person."""
    by_golden: dict[str, list[str]] = {}
    for key, golden in sorted(cluster_of.items()):
        by_golden.setdefault(golden, []).append(key)
    return next((a, b) for members in by_golden.values() for a, b in combinations(members, 2))


def test_a_reviewers_split_survives_a_full_resync(
    store: FhirStore, district: Path, tmp_path: Path
) -> None:
    root = tmp_path / "district"
    shutil.copytree(district, root)
    text = (root / "sources.toml").read_text(encoding="utf-8")
    (root / "sources.toml").write_text(text.replace(str(district), str(root)), encoding="utf-8")
    sync_district(store, root)
    left, right = _merged_pair(_clusters(store))
    split_records(
        store,
        groups=[[left], [right]],
        reviewer="dr.wang",
        reason="different mothers' names on file",
        settings=identity_settings(),
    )
    assert _clusters(store)[left] != _clusters(store)[right]
    with store.engine.begin() as conn:  # forget the last run: the next links from scratch
        from hub.identity.schema import identity_state

        conn.execute(identity_state.delete())
    sync_district(store, root)
    relink(store, identity_settings())
    cluster_of = _clusters(store)
    assert cluster_of[left] != cluster_of[right]
    (decision,) = StoreDecisionLog(store).decisions()
    assert (decision.reviewer, decision.reason) == ("dr.wang", "different mothers' names on file")
    with store.reading() as session:
        source = session.read("Patient", left).as_dict()
    assert source["link"][-1]["other"]["reference"] == f"Patient/{cluster_of[left]}"


def _everything_ids(client: TestClient, patient_id: str) -> set[str]:
    response = client.get(f"/fhir/Patient/{patient_id}/$everything")
    assert response.status_code == 200, response.text
    return {
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in response.json().get("entry", [])
    }


def test_everything_on_a_golden_patient_has_every_source_records_resources(
    store: FhirStore, district: Path, tmp_path: Path
) -> None:
    sync_district(store, district)
    cluster_of = _clusters(store)
    left, right = _merged_pair(cluster_of)
    with _client(store, tmp_path) as client:
        golden = _everything_ids(client, cluster_of[left])
        for source in (left, right):
            own = _everything_ids(client, source) - {f"Patient/{cluster_of[left]}"}
            assert len(own) > 1  # the source record has resources of its own
            assert own <= golden


def _match_request(patient: dict[str, Any], **extra: Any) -> dict[str, Any]:
    query = {k: v for k, v in patient.items() if k not in ("id", "meta", "link")}
    parameters: list[dict[str, Any]] = [{"name": "resource", "resource": query}]
    if "count" in extra:
        parameters.append({"name": "count", "valueInteger": extra["count"]})
    if extra.get("only_certain"):
        parameters.append({"name": "onlyCertainMatches", "valueBoolean": True})
    return {"resourceType": "Parameters", "parameter": parameters}


def test_match_finds_the_person(store: FhirStore, district: Path, tmp_path: Path) -> None:
    sync_district(store, district)
    cluster_of = _clusters(store)
    left, _ = _merged_pair(cluster_of)
    (patient,) = StorePatientReader(store).patients([left])
    with _client(store, tmp_path) as client:
        response = client.post("/fhir/Patient/$match", json=_match_request(patient, count=3))
        assert response.status_code == 200, response.text
        bundle = response.json()
        assert bundle["type"] == "searchset"
        assert 1 <= len(bundle["entry"]) <= 3
        best = bundle["entry"][0]
        assert best["resource"]["id"] == cluster_of[left]
        assert best["search"]["score"] >= 0.95
        grade = best["search"]["extension"][0]
        assert grade["url"] == "http://hl7.org/fhir/StructureDefinition/match-grade"
        assert grade["valueCode"] == "certain"
        stranger = {"resourceType": "Patient", "name": [{"text": "欧阳无名"}], "gender": "male"}
        response = client.post(
            "/fhir/Patient/$match", json=_match_request(stranger, only_certain=True)
        )
        assert response.json()["total"] == 0
