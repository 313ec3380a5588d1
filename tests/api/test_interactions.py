"""Conditional writes, transaction and batch Bundles, $everything and $validate."""

from __future__ import annotations

from typing import Any

from hub.store import FhirStore
from tests.api.conftest import BASE, TestClient, ids

_JSON = {"Content-Type": "application/fhir+json"}


def _patient(mrn: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": "urn:mrn", "value": mrn}], **extra}


def _post(api: TestClient, url: str, body: dict[str, Any], **headers: str) -> Any:
    import orjson

    return api.post(url, content=orjson.dumps(body), headers=_JSON | headers)


def test_conditional_create_returns_the_existing_match(api: TestClient) -> None:
    first = _post(api, "/fhir/Patient", _patient("1"), **{"If-None-Exist": "identifier=urn:mrn|1"})
    again = _post(api, "/fhir/Patient", _patient("1"), **{"If-None-Exist": "identifier=urn:mrn|1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    _post(api, "/fhir/Patient", _patient("1"))
    twice = _post(api, "/fhir/Patient", _patient("1"), **{"If-None-Exist": "identifier=urn:mrn|1"})
    assert twice.status_code == 412


def test_conditional_update_and_if_match(api: TestClient) -> None:
    import orjson

    body = orjson.dumps(_patient("7", gender="male"))
    created = api.put("/fhir/Patient?identifier=urn:mrn|7", content=body, headers=_JSON)
    assert created.status_code == 201
    pid = created.json()["id"]
    updated = api.put(
        "/fhir/Patient?identifier=urn:mrn|7",
        content=orjson.dumps(_patient("7", gender="female")),
        headers=_JSON,
    )
    assert (updated.status_code, updated.json()["id"]) == (200, pid)
    stale = api.put(
        f"/fhir/Patient/{pid}",
        content=orjson.dumps(_patient("7", id=pid)),
        headers=_JSON | {"If-Match": 'W/"1"'},
    )
    assert stale.status_code == 412
    fresh = api.put(
        f"/fhir/Patient/{pid}",
        content=orjson.dumps(_patient("7", id=pid)),
        headers=_JSON | {"If-Match": 'W/"2"'},
    )
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] == 'W/"3"'


def _transaction(kind: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": entries}


def test_transaction_rewrites_urn_uuid_references(api: TestClient) -> None:
    bundle = _transaction(
        "transaction",
        [
            {
                "fullUrl": "urn:uuid:0c3a0f9e-0000-4000-8000-000000000001",
                "resource": _patient("tx"),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:0c3a0f9e-0000-4000-8000-000000000002",
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "mood"},
                    "subject": {"reference": "urn:uuid:0c3a0f9e-0000-4000-8000-000000000001"},
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    )
    response = _post(api, "/fhir", bundle)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in result["entry"]]
    assert statuses == ["201 Created", "201 Created"]
    patient_id = result["entry"][0]["resource"]["id"]
    observation = result["entry"][1]["resource"]
    assert observation["subject"]["reference"] == f"Patient/{patient_id}"
    found = api.get(f"/fhir/Observation?patient={patient_id}").json()
    assert ids(found) == {observation["id"]}


def test_failed_transaction_rolls_everything_back(store: FhirStore, api: TestClient) -> None:
    bundle = _transaction(
        "transaction",
        [
            {"resource": _patient("rb"), "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": _patient("rb2", id="x1"),
                "request": {"method": "PUT", "url": "Patient/x1", "ifMatch": 'W/"4"'},
            },
        ],
    )
    response = _post(api, "/fhir", bundle)
    assert response.status_code == 412
    assert response.json()["resourceType"] == "OperationOutcome"
    with store.reading() as session:
        assert session.count("Patient") == 0


def test_batch_reports_each_entry(store: FhirStore, api: TestClient) -> None:
    store.write_many([_patient("b0", id="known")])
    bundle = _transaction(
        "batch",
        [
            {"resource": _patient("b1"), "request": {"method": "POST", "url": "Patient"}},
            {"request": {"method": "GET", "url": "Patient/unknown"}},
            {"request": {"method": "GET", "url": "Patient/known"}},
            {"request": {"method": "GET", "url": "Patient?identifier=urn:mrn|b0"}},
            {"request": {"method": "DELETE", "url": "Patient/known"}},
        ],
    )
    result = _post(api, "/fhir", bundle).json()
    assert result["type"] == "batch-response"
    statuses = [e["response"]["status"].split()[0] for e in result["entry"]]
    assert statuses == ["201", "404", "200", "200", "204"]
    assert result["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert result["entry"][3]["resource"]["total"] == 1
    with store.reading() as session:
        assert session.count("Patient") == 1


def test_everything_covers_linked_source_patients(store: FhirStore, api: TestClient) -> None:
    def obs(oid: str, patient: str) -> dict[str, Any]:
        return {
            "resourceType": "Observation",
            "id": oid,
            "status": "final",
            "code": {"text": "x"},
            "subject": {"reference": f"Patient/{patient}"},
        }

    store.write_many(
        [
            {
                "resourceType": "Patient",
                "id": "golden",
                "link": [
                    {"other": {"reference": "Patient/src1"}, "type": "seealso"},
                    {"other": {"reference": "Patient/src2"}, "type": "seealso"},
                ],
            },
            {
                "resourceType": "Patient",
                "id": "src1",
                "generalPractitioner": [{"reference": "Practitioner/dr"}],
            },
            {"resourceType": "Practitioner", "id": "dr"},
            {"resourceType": "Practitioner", "id": "unrelated"},
            {"resourceType": "Practitioner", "id": "dr2"},
            {"resourceType": "PractitionerRole", "id": "role1"},
            {"resourceType": "Organization", "id": "elsewhere"},
            {"resourceType": "Patient", "id": "src2"},
            {"resourceType": "Patient", "id": "other"},
            {
                **obs("o1", "src1"),
                # a versioned reference, one that no search parameter indexes, and one to
                # another server's Organization of the same id (not ours to add)
                "performer": [{"reference": "Practitioner/dr2/_history/1"}],
                "note": [{"authorReference": {"reference": "PractitionerRole/role1"}, "text": "n"}],
                "derivedFrom": [{"reference": "https://other.example/fhir/Organization/elsewhere"}],
            },
            {"resourceType": "Organization", "id": "ours"},
            {  # a reference by our own base URL is a local one
                **obs("o4", "src2"),
                "performer": [{"reference": f"{BASE}/Organization/ours"}],
            },
            obs("o2", "src2"),
            obs("o3", "other"),
            {
                "resourceType": "Encounter",
                "id": "e1",
                "status": "finished",
                "class": {"code": "AMB"},
                "subject": {"reference": "Patient/src1"},
            },
        ]
    )
    bundle = api.get("/fhir/Patient/golden/$everything").json()
    assert ids(bundle) == {
        *("golden", "src1", "src2", "o1", "o2", "o4", "e1"),
        *("dr", "dr2", "role1", "ours"),
    }
    assert bundle["entry"][0]["resource"]["id"] == "golden"
    only_obs = api.get("/fhir/Patient/golden/$everything?_type=Observation").json()
    assert ids(only_obs) == {"o1", "o2", "o4"}
    paged = api.get("/fhir/Patient/golden/$everything?_count=5").json()
    assert len(paged["entry"]) == 5
    seen, page = ids(paged), paged
    while next_url := next((x["url"] for x in page["link"] if x["relation"] == "next"), None):
        assert next_url.startswith(f"{BASE}/Patient/golden/$everything?")
        page = api.get(next_url.removeprefix("http://hub.test")).json()
        assert len(page["entry"]) <= 5
        seen |= ids(page)
    assert seen == ids(bundle)
    assert api.get("/fhir/Patient/golden/$everything?_since=2999-01-01").json()["total"] == 0
    assert api.get("/fhir/Patient/nobody/$everything").status_code == 404


def test_validate_reports_every_issue(api: TestClient) -> None:
    good = _post(api, "/fhir/Patient/$validate", {"resourceType": "Patient", "gender": "male"})
    assert good.status_code == 200
    assert good.json()["issue"][0]["severity"] == "information"
    bad = _post(
        api,
        "/fhir/Observation/$validate",
        {"resourceType": "Observation", "status": 5, "subject": "Patient/1"},
    )
    assert bad.status_code == 200
    issues = bad.json()["issue"]
    assert {i["severity"] for i in issues} == {"error"}
    assert len(issues) >= 2
    wrapped = _post(
        api,
        "/fhir/Patient/p1/$validate",
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "resource", "resource": {"resourceType": "Patient", "id": "p2"}}
            ],
        },
    )
    assert any("p1" in i["diagnostics"] for i in wrapped.json()["issue"])


def test_history_pages_newest_first(store: FhirStore, api: TestClient) -> None:
    for gender in ("male", "female", "other", "unknown", "male"):
        store.update({"resourceType": "Patient", "id": "h", "gender": gender})
    first = api.get("/fhir/Patient/h/_history?_count=2").json()
    assert [e["resource"]["meta"]["versionId"] for e in first["entry"]] == ["5", "4"]
    assert "total" not in first
    versions: list[str] = []
    url: str | None = "/fhir/Patient/h/_history?_count=2"
    while url:
        page = api.get(url.removeprefix("http://hub.test")).json()
        versions += [e["response"]["etag"] for e in page["entry"]]
        url = next((x["url"] for x in page["link"] if x["relation"] == "next"), None)
    assert versions == [f'W/"{v}"' for v in (5, 4, 3, 2, 1)]
    assert api.get("/fhir/Patient/_history").json()["total"] == 5


def test_transaction_conditional_create_points_references_at_the_match(
    store: FhirStore, api: TestClient
) -> None:
    store.write_many([_patient("known", id="existing")])
    bundle = _transaction(
        "transaction",
        [
            {
                "fullUrl": "urn:uuid:0c3a0f9e-0000-4000-8000-0000000000aa",
                "resource": _patient("known"),
                "request": {
                    "method": "POST",
                    "url": "Patient",
                    "ifNoneExist": "identifier=urn:mrn|known",
                },
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "sleep"},
                    "subject": {"reference": "urn:uuid:0c3a0f9e-0000-4000-8000-0000000000aa"},
                },
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    )
    result = _post(api, "/fhir", bundle).json()
    assert result["entry"][0]["response"]["status"] == "200 OK"
    assert result["entry"][1]["resource"]["subject"]["reference"] == "Patient/existing"


def test_conditional_read_headers(store: FhirStore, api: TestClient) -> None:
    store.update({"resourceType": "Patient", "id": "cr"})
    first = api.get("/fhir/Patient/cr")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert api.get("/fhir/Patient/cr", headers={"If-None-Match": etag}).status_code == 304
    assert api.get("/fhir/Patient/cr", headers={"If-Modified-Since": modified}).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert api.get("/fhir/Patient/cr", headers={"If-Modified-Since": old}).status_code == 200
    store.delete("Patient", "cr")
    gone = api.get("/fhir/Patient/cr")
    assert gone.status_code == 410
    assert gone.json()["resourceType"] == "OperationOutcome"
    assert api.get("/fhir/Patient/never").status_code == 404
