"""PATCH (JSON Patch, If-Match, conditional) and conditional delete, against what they should do."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub.api import create_app
from hub.api.capability import READ_ONLY_TYPES
from hub.config import AuthSettings, Settings
from hub.security.roles import Role
from hub.security.scopes import parse_scopes
from hub.security.tokens import TokenService
from hub.store import FhirStore
from tests.api.conftest import TestClient

_PATCH = {"Content-Type": "application/json-patch+json"}


def _patient(pid: str, mrn: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "urn:mrn", "value": mrn}],
        **extra,
    }


def _patch(api: TestClient, url: str, ops: Any, **headers: str) -> Any:
    return api.patch(url, content=orjson.dumps(ops), headers=_PATCH | headers)


def _without_meta(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "meta"}


def test_json_patch_applies_each_operation(store: FhirStore, api: TestClient) -> None:
    original = _patient("p1", "1", gender="male", name=[{"family": "Wang", "given": ["Li"]}])
    store.write_many([original])
    ops = [
        {"op": "replace", "path": "/gender", "value": "female"},
        {"op": "add", "path": "/name/0/given/-", "value": "Mei"},
        {"op": "add", "path": "/birthDate", "value": "1980-02-03"},
        {"op": "test", "path": "/identifier/0/value", "value": "1"},
    ]
    response = _patch(api, "/fhir/Patient/p1", ops)
    assert response.status_code == 200, response.text
    # The same edits made by hand on a copy of what was stored.
    expected = copy.deepcopy(original)
    expected["gender"] = "female"
    expected["name"][0]["given"].append("Mei")
    expected["birthDate"] = "1980-02-03"
    assert _without_meta(response.json()) == expected
    assert response.headers["ETag"] == 'W/"2"'
    assert _without_meta(api.get("/fhir/Patient/p1").json()) == expected


def test_if_match_pins_the_version(store: FhirStore, api: TestClient) -> None:
    store.write_many([_patient("p1", "1", gender="male")])
    ops = [{"op": "replace", "path": "/gender", "value": "female"}]
    assert _patch(api, "/fhir/Patient/p1", ops, **{"If-Match": 'W/"1"'}).status_code == 200
    stale = _patch(
        api, "/fhir/Patient/p1", [{"op": "remove", "path": "/gender"}], **{"If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    current = api.get("/fhir/Patient/p1")
    assert (current.headers["ETag"], current.json()["gender"]) == ('W/"2"', "female")


@pytest.mark.parametrize(
    ("ops", "status"),
    [
        ([{"op": "test", "path": "/gender", "value": "female"}], 422),  # test fails
        ([{"op": "remove", "path": "/telecom"}], 422),  # no such element
        ([{"op": "replace", "path": "/id", "value": "other"}], 422),  # id is fixed
        ([{"op": "replace", "path": "/gender", "value": 5}], 422),  # result is not FHIR
        ([{"op": "jump", "path": "/gender"}], 400),  # not a JSON Patch operation
        ({"op": "remove", "path": "/gender"}, 400),  # not an array
    ],
)
def test_a_patch_that_cannot_apply_changes_nothing(
    store: FhirStore, api: TestClient, ops: Any, status: int
) -> None:
    store.write_many([_patient("p1", "1", gender="male")])
    response = _patch(api, "/fhir/Patient/p1", ops)
    assert response.status_code == status, response.text
    assert response.json()["resourceType"] == "OperationOutcome"
    current = api.get("/fhir/Patient/p1")
    assert (current.headers["ETag"], current.json()["gender"]) == ('W/"1"', "male")


def test_patch_needs_json_patch_and_an_existing_resource(store: FhirStore, api: TestClient) -> None:
    store.write_many([_patient("p1", "1")])
    ops = [{"op": "add", "path": "/gender", "value": "other"}]
    as_resource = api.patch(
        "/fhir/Patient/p1",
        content=orjson.dumps(ops),
        headers={"Content-Type": "application/fhir+json"},
    )
    assert as_resource.status_code == 415
    assert _patch(api, "/fhir/Patient/absent", ops).status_code == 404
    api.delete("/fhir/Patient/p1")
    assert _patch(api, "/fhir/Patient/p1", ops).status_code == 410


def test_conditional_patch_acts_on_exactly_one_match(store: FhirStore, api: TestClient) -> None:
    store.write_many([_patient("a", "1"), _patient("b", "2"), _patient("c", "2")])
    ops = [{"op": "add", "path": "/gender", "value": "female"}]
    assert _patch(api, "/fhir/Patient?identifier=urn:mrn|1", ops).status_code == 200
    assert api.get("/fhir/Patient/a").json()["gender"] == "female"
    assert _patch(api, "/fhir/Patient?identifier=urn:mrn|2", ops).status_code == 412
    assert _patch(api, "/fhir/Patient?identifier=urn:mrn|9", ops).status_code == 404
    assert _patch(api, "/fhir/Patient", ops).status_code == 400
    untouched = [api.get(f"/fhir/Patient/{pid}").json() for pid in ("b", "c")]
    assert all("gender" not in p for p in untouched)


def test_conditional_delete_removes_only_the_one_match(store: FhirStore, api: TestClient) -> None:
    patients = [_patient("a", "1"), _patient("b", "2"), _patient("c", "2"), _patient("d", "3")]
    store.write_many(patients)
    assert api.delete("/fhir/Patient?identifier=urn:mrn|1").status_code == 204
    assert api.delete("/fhir/Patient?identifier=urn:mrn|2").status_code == 412
    assert api.delete("/fhir/Patient?identifier=urn:mrn|9").status_code == 204
    assert api.delete("/fhir/Patient").status_code == 400
    stale = api.delete("/fhir/Patient?identifier=urn:mrn|3", headers={"If-Match": 'W/"7"'})
    assert stale.status_code == 412
    statuses = {pid: api.get(f"/fhir/Patient/{pid}").status_code for pid in "abcd"}
    assert statuses == {"a": 410, "b": 200, "c": 200, "d": 200}


def test_capability_statement_declares_patch_and_conditional_delete(api: TestClient) -> None:
    statement = api.get("/fhir/metadata").json()
    for entry in statement["rest"][0]["resource"]:
        if entry["type"] in READ_ONLY_TYPES:
            assert {"code": "patch"} not in entry["interaction"]
            continue
        assert {"code": "patch"} in entry["interaction"]
        assert entry["conditionalDelete"] == "single"


@pytest.fixture
def secured(store: FhirStore, tmp_path: Path) -> Iterator[tuple[TestClient, TokenService]]:
    """The app with access control on, and the service that signs its tokens."""
    settings = Settings(data_dir=tmp_path, auth=AuthSettings(enabled=True), secret_key="k" * 32)  # type: ignore[arg-type]
    app = create_app(settings, store)
    with TestClient(app, base_url="http://hub.test") as client:
        yield client, TokenService(settings.auth, "k" * 32)
    app.state.audit.close()


@pytest.mark.parametrize(
    ("scopes", "delete_status", "patch_status"),
    [("user/*.rs", 403, 403), ("user/*.rs user/Patient.u", 403, 200), ("system/*.cruds", 204, 200)],
)
def test_conditional_writes_need_the_write_permission(
    store: FhirStore,
    secured: tuple[TestClient, TokenService],
    scopes: str,
    delete_status: int,
    patch_status: int,
) -> None:
    """The route template is the search one; the write still needs its own scope."""
    client, tokens = secured
    store.write_many([_patient("a", "1")])
    token = tokens.issue(
        subject="t", role=Role.INTEGRATION_TEAM, scopes=parse_scopes(scopes), district="310104"
    )
    bearer = {"Authorization": f"Bearer {token}"}
    ops = [{"op": "add", "path": "/gender", "value": "female"}]
    patched = client.patch(
        "/fhir/Patient?identifier=urn:mrn|1", content=orjson.dumps(ops), headers=_PATCH | bearer
    )
    assert patched.status_code == patch_status, patched.text
    deleted = client.delete("/fhir/Patient?identifier=urn:mrn|1", headers=bearer)
    assert deleted.status_code == delete_status, deleted.text
    remaining = client.get("/fhir/Patient/a", headers=bearer).status_code
    assert remaining == (410 if delete_status == 204 else 200)


def _patch_entry(url: str, ops: list[dict[str, Any]]) -> dict[str, Any]:
    import base64

    binary = {
        "resourceType": "Binary",
        "contentType": "application/json-patch+json",
        "data": base64.b64encode(orjson.dumps(ops)).decode(),
    }
    return {"resource": binary, "request": {"method": "PATCH", "url": url}}


def _bundle(kind: str, entries: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"resourceType": "Bundle", "type": kind, "entry": entries})


def test_transaction_patch_entries_apply_or_roll_back_together(
    store: FhirStore, api: TestClient
) -> None:
    store.write_many([_patient("a", "1", gender="male"), _patient("b", "2")])
    create = {
        "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": "urn:mrn", "value": "3"}],
        },
        "request": {"method": "POST", "url": "Patient"},
    }
    fine = [
        create,
        _patch_entry("Patient/a", [{"op": "replace", "path": "/gender", "value": "female"}]),
        _patch_entry(
            "Patient?identifier=urn:mrn|2", [{"op": "add", "path": "/active", "value": True}]
        ),
    ]
    headers = {"Content-Type": "application/fhir+json"}
    done = api.post("/fhir", content=_bundle("transaction", fine), headers=headers)
    assert done.status_code == 200, done.text
    assert [e["response"]["status"][:3] for e in done.json()["entry"]] == ["201", "200", "200"]
    assert api.get("/fhir/Patient/a").json()["gender"] == "female"
    assert api.get("/fhir/Patient/b").json()["active"] is True
    failing = [
        {**create, "resource": {**create["resource"], "gender": "other"}},
        _patch_entry("Patient/a", [{"op": "test", "path": "/gender", "value": "male"}]),
    ]
    refused = api.post("/fhir", content=_bundle("transaction", failing), headers=headers)
    assert refused.status_code == 422, refused.text
    with store.reading() as session:
        assert session.count("Patient") == 3  # the second create rolled back with the patch
    no_binary = [{"request": {"method": "PATCH", "url": "Patient/a"}}]
    assert (
        api.post("/fhir", content=_bundle("batch", no_binary), headers=headers)
        .json()["entry"][0]["response"]["status"]
        .startswith("400")
    )
