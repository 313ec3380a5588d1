"""The identity review API: queue, decisions, split, $match, bad input, and who may decide."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.api import create_app
from hub.config import AuthSettings, Settings
from hub.identity.store_adapters import StoreDecisionLog
from hub.security.roles import Role
from hub.store import FhirStore, open_store
from tests.identity.linked_store import build_linked_store, copy_of, golden_of, merged_pair
from tests.security.conftest import DISTRICT, SECRET, token_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2 for its test client
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow
WHY = {"reason": "same mother, same ward, phone confirmed"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A linked district store, built once and copied for each test."""
    return build_linked_store(tmp_path_factory.mktemp("linked") / "hub.sqlite")


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[FhirStore]:
    """A private copy of the linked store."""
    linked = open_store(copy_of(template, tmp_path / "hub.sqlite"))
    yield linked
    linked.engine.dispose()


def _client(store: FhirStore, tmp_path: Path, *, auth: bool = False) -> TestClient:
    settings = Settings(
        data_dir=tmp_path / "var",
        base_url="http://hub.test/fhir",
        district_code=DISTRICT,
        secret_key=SECRET,  # type: ignore[arg-type]
        auth=AuthSettings(enabled=auth),
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return TestClient(create_app(settings, store), base_url="http://hub.test")


@pytest.fixture
def client(store: FhirStore, tmp_path: Path) -> Iterator[TestClient]:
    """The hub over the linked store, access control off."""
    with _client(store, tmp_path) as test_client:
        yield test_client


def _queue(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/identity/review")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def _outcome(response: Any, status: int) -> str:
    """The diagnostics of an OperationOutcome answer with this status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return str(body["issue"][0]["diagnostics"])


def test_the_queue_lists_possible_matches_likeliest_first(client: TestClient) -> None:
    items = _queue(client)
    assert items, "the linked district leaves possible matches to review"
    probabilities = [i["probability"] for i in items]
    assert probabilities == sorted(probabilities, reverse=True)
    for item in items:
        assert item["pair"] == f"{item['left']}~{item['right']}"
        assert 0.5 <= item["probability"] <= 1.0


def test_accept_joins_the_pair_and_takes_it_off_the_queue(
    client: TestClient, store: FhirStore
) -> None:
    item = _queue(client)[0]
    response = client.post(f"/api/identity/review/{item['pair']}/accept", json=WHY | {"by": "li"})
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "accept"
    assert golden_of(store, item["left"]) == golden_of(store, item["right"])
    assert item["pair"] not in {i["pair"] for i in _queue(client)}
    source = client.get(f"/fhir/Patient/{item['right']}").json()
    refer = [x for x in source["link"] if x["type"] == "refer"]
    assert refer == [
        {"other": {"reference": f"Patient/{golden_of(store, item['left'])}"}, "type": "refer"}
    ]
    (decision,) = StoreDecisionLog(store).decisions()
    assert (decision.reviewer, decision.reason) == ("li", WHY["reason"])


def test_reject_keeps_a_merged_pair_apart(client: TestClient, store: FhirStore) -> None:
    left, right = merged_pair(store)
    response = client.post(f"/api/identity/review/{left}~{right}/reject", json=WHY | {"by": "li"})
    assert response.status_code == 200, response.text
    assert golden_of(store, left) != golden_of(store, right)


def test_split_keeps_groups_apart(client: TestClient, store: FhirStore) -> None:
    left, right = merged_pair(store)
    body = {"groups": [[left], [right]], "by": "wang", **WHY}
    response = client.post("/api/identity/split", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["groups"] == [[left], [right]]
    assert golden_of(store, left) != golden_of(store, right)
    golden = client.get(f"/fhir/Patient/{golden_of(store, right)}").json()
    assert {"other": {"reference": f"Patient/{right}"}, "type": "seealso"} in golden["link"]


def test_match_ranks_the_golden_person_of_a_known_record_first(
    client: TestClient, store: FhirStore
) -> None:
    left, _ = merged_pair(store)
    patient = client.get(f"/fhir/Patient/{left}").json()
    query = {k: v for k, v in patient.items() if k not in ("id", "meta", "link")}
    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": query}],
    }
    response = client.post("/fhir/Patient/$match", json=parameters)
    assert response.status_code == 200, response.text
    assert response.json()["entry"][0]["resource"]["id"] == golden_of(store, left)


@pytest.mark.parametrize(
    ("path", "body", "status", "says"),
    [
        ("/api/identity/review/station-x~station-y/accept", WHY | {"by": "li"}, 404, "station-x"),
        ("/api/identity/review/no-separator/accept", WHY | {"by": "li"}, 400, "two record ids"),
        ("/api/identity/review/a~/reject", WHY | {"by": "li"}, 400, "two record ids"),
        ("/api/identity/review/{pair}/maybe", WHY | {"by": "li"}, 400, "accept or reject"),
        ("/api/identity/review/{pair}/accept", {"reason": "   ", "by": "li"}, 400, "reason"),
        ("/api/identity/review/{pair}/accept", {"by": "li"}, 400, "reason"),
        ("/api/identity/review/{pair}/accept", WHY, 400, "'by'"),
        ("/api/identity/review/{same}/accept", WHY | {"by": "li"}, 400, "two different"),
        ("/api/identity/split", {"groups": [["{left}"]], "by": "li", **WHY}, 400, "groups"),
        ("/api/identity/split", {"groups": [["{left}"], []], "by": "li", **WHY}, 400, "empty"),
        ("/api/identity/split", {"groups": [["{left}"], ["nobody"]], "by": "li", **WHY}, 404, ""),
    ],
)
def test_bad_decisions_are_refused_with_an_outcome_and_not_recorded(
    client: TestClient,
    store: FhirStore,
    path: str,
    body: dict[str, Any],
    status: int,
    says: str,
) -> None:
    left, right = merged_pair(store)
    names = {"pair": f"{left}~{right}", "same": f"{left}~{left}", "left": left}
    text = path.format(**names)
    filled = {
        k: [[x.format(**names) for x in g] for g in v] if k == "groups" else v
        for k, v in body.items()
    }
    before = golden_of(store, left), golden_of(store, right)
    assert says in _outcome(client.post(text, json=filled), status)
    assert StoreDecisionLog(store).decisions() == ()
    assert (golden_of(store, left), golden_of(store, right)) == before


def test_match_refuses_what_is_not_a_parameters_resource(client: TestClient) -> None:
    patient = {"resourceType": "Patient", "name": [{"text": "张伟"}]}
    assert "Parameters" in _outcome(client.post("/fhir/Patient/$match", json=patient), 400)
    empty = {"resourceType": "Parameters", "parameter": []}
    assert "Patient" in _outcome(client.post("/fhir/Patient/$match", json=empty), 400)
    bad_count = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "resource", "resource": patient},
            {"name": "count", "valueInteger": 0},
        ],
    }
    assert "count" in _outcome(client.post("/fhir/Patient/$match", json=bad_count), 400)
    assert "JSON" in _outcome(
        client.post(
            "/fhir/Patient/$match",
            content=b"{not json",
            headers={"Content-Type": "application/fhir+json"},
        ),
        400,
    )


def _bearer(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(role)}"}


def test_with_auth_the_integration_team_decides_and_is_recorded(
    store: FhirStore, tmp_path: Path
) -> None:
    left, right = merged_pair(store)
    with _client(store, tmp_path, auth=True) as client:
        url = f"/api/identity/review/{left}~{right}/reject"
        _outcome(client.post(url, json=WHY), 401)
        response = client.post(
            url, json=WHY | {"by": "someone else"}, headers=_bearer(Role.INTEGRATION_TEAM)
        )
        assert response.status_code == 200, response.text
        client.app.state.audit.close()  # type: ignore[attr-defined]
    (decision,) = StoreDecisionLog(store).decisions()
    assert decision.reviewer == f"{Role.INTEGRATION_TEAM.value}-1"  # the token, not the body
    assert golden_of(store, left) != golden_of(store, right)


def test_with_auth_a_prevention_doctor_may_read_the_queue_but_not_decide(
    store: FhirStore, tmp_path: Path
) -> None:
    left, right = merged_pair(store)
    doctor = _bearer(Role.PREVENTION_DOCTOR)
    with _client(store, tmp_path, auth=True) as client:
        queue = client.get("/api/identity/review", headers=doctor)
        assert queue.status_code == 200, queue.text
        assert queue.json()
        for url, body in (
            (f"/api/identity/review/{left}~{right}/reject", WHY),
            ("/api/identity/split", {"groups": [[left], [right]], **WHY}),
        ):
            _outcome(client.post(url, json=body, headers=doctor), 403)
        client.app.state.audit.close()  # type: ignore[attr-defined]
    assert StoreDecisionLog(store).decisions() == ()
    assert golden_of(store, left) == golden_of(store, right)
