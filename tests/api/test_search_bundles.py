"""Search Bundles: references, chains, includes, sorting, paging links, handling of unknowns."""

from __future__ import annotations

from typing import Any

import pytest

from hub.store import FhirStore
from tests.api.conftest import BASE, TestClient, ids


def _obs(oid: str, patient: str, code: str, day: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": patient},
        "effectiveDateTime": day,
        **extra,
    }


@pytest.fixture
def clinic(store: FhirStore) -> None:
    """Two patients, a practitioner, observations and an encounter that point at them."""
    store.write_many(
        [
            {
                "resourceType": "Patient",
                "id": "a",
                "identifier": [{"system": "urn:mrn", "value": "A-1"}],
                "generalPractitioner": [{"reference": "Practitioner/dr"}],
            },
            {"resourceType": "Patient", "id": "b", "identifier": [{"value": "B-1"}]},
            {"resourceType": "Practitioner", "id": "dr", "name": [{"family": "Sun"}]},
            {
                "resourceType": "Encounter",
                "id": "e1",
                "status": "finished",
                "class": {"code": "AMB"},
                "subject": {"reference": "Patient/a"},
            },
            _obs("o1", "Patient/a", "1", "2024-01-03", encounter={"reference": "Encounter/e1"}),
            _obs("o2", "Patient/a", "2", "2024-01-01"),
            _obs("o3", "Patient/b", "1", "2024-01-02"),
            _obs("o4", f"{BASE}/Patient/b", "3", "2024-01-04"),
            _obs("o5", "https://elsewhere.org/fhir/Patient/a", "3", "2024-01-05"),
        ]
    )


def _get(api: TestClient, url: str, **headers: str) -> dict[str, Any]:
    response = api.get(url, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("subject=Patient/a", {"o1", "o2"}),
        ("patient=a", {"o1", "o2"}),
        ("subject:Patient=b", {"o3", "o4"}),
        (f"subject={BASE}/Patient/b", {"o3", "o4"}),
        ("subject=https://elsewhere.org/fhir/Patient/a", {"o5"}),
        ("subject:Patient.identifier=urn:mrn|A-1", {"o1", "o2"}),
        ("patient.identifier=B-1", {"o3", "o4"}),
        ("encounter.status=finished", {"o1"}),
        ("encounter:missing=true&patient=a", {"o2"}),
        ("code=1,3&patient=b", {"o3", "o4"}),
    ],
)
def test_reference_forms(clinic: None, api: TestClient, query: str, expected: set[str]) -> None:
    assert ids(_get(api, f"/fhir/Observation?{query}")) == expected


def test_reverse_chain(clinic: None, api: TestClient) -> None:
    assert ids(_get(api, "/fhir/Patient?_has:Observation:patient:code=2")) == {"a"}
    assert ids(_get(api, "/fhir/Patient?_has:Observation:subject:code=1")) == {"a", "b"}


def test_include_and_revinclude(clinic: None, api: TestClient) -> None:
    bundle = _get(api, "/fhir/Observation?_id=o1,o3&_include=Observation:subject")
    assert ids(bundle) == {"o1", "o3"}
    assert ids(bundle, "include") == {"a", "b"}
    bundle = _get(api, "/fhir/Patient?_id=a&_revinclude=Observation:patient")
    assert ids(bundle, "include") == {"o1", "o2"}
    iterated = _get(
        api,
        "/fhir/Observation?_id=o1&_include=Observation:subject"
        "&_include:iterate=Patient:general-practitioner",
    )
    assert ids(iterated, "include") == {"a", "dr"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("date", ["o2", "o3", "o1", "o4", "o5"]),
        ("-date", ["o5", "o4", "o1", "o3", "o2"]),
        ("code,-date", ["o1", "o3", "o2", "o5", "o4"]),
        ("-_id", ["o5", "o4", "o3", "o2", "o1"]),
    ],
)
def test_sort(clinic: None, api: TestClient, sort: str, expected: list[str]) -> None:
    bundle = _get(api, f"/fhir/Observation?_sort={sort}")
    assert [e["resource"]["id"] for e in bundle["entry"]] == expected


def test_paging_follows_next_and_previous_to_the_end(store: FhirStore, api: TestClient) -> None:
    store.write_many([{"resourceType": "Patient", "id": f"p{i:02d}"} for i in range(23)])
    url: str | None = "/fhir/Patient?_count=5&_sort=-_lastUpdated"
    seen: list[str] = []
    pages = 0
    while url:
        bundle = _get(api, url)
        assert bundle["total"] == 23
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        assert links["self"].startswith(f"{BASE}/Patient?")
        url = links.get("next")
        pages += 1
        assert ("previous" in links) == (pages > 1)
    assert pages == 5
    assert sorted(seen) == [f"p{i:02d}" for i in range(23)]
    assert len(set(seen)) == 23


def test_summary_count_elements_and_total_none(clinic: None, api: TestClient) -> None:
    counted = _get(api, "/fhir/Observation?_summary=count")
    assert counted["total"] == 5
    assert "entry" not in counted
    shaped = _get(api, "/fhir/Observation?_id=o1&_elements=status")
    resource = shaped["entry"][0]["resource"]
    assert set(resource) == {"resourceType", "id", "meta", "status"}
    assert resource["meta"]["tag"][0]["code"] == "SUBSETTED"
    summary = _get(api, "/fhir/Patient?_id=a&_summary=true")["entry"][0]["resource"]
    assert "identifier" in summary
    assert "generalPractitioner" not in summary
    assert "total" not in _get(api, "/fhir/Observation?_total=none&_count=2")


def test_unknown_parameters_strict_and_lenient(clinic: None, api: TestClient) -> None:
    strict = api.get("/fhir/Observation?colour=red", headers={"Prefer": "handling=strict"})
    assert strict.status_code == 400
    assert strict.json()["resourceType"] == "OperationOutcome"
    lenient = _get(api, "/fhir/Observation?colour=red&patient=a")
    assert ids(lenient) == {"o1", "o2"}
    self_link = next(link["url"] for link in lenient["link"] if link["relation"] == "self")
    assert "colour" not in self_link
    outcome = [e for e in lenient["entry"] if e["search"]["mode"] == "outcome"]
    assert "colour" in outcome[0]["resource"]["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "query",
    [
        "date=notadate",
        "value-quantity=abc",
        "_count=-1",
        "_sort=subject",
        "code:exact=1",
        "_include=Observation:nothing",
        "subject.foo.bar=1",
        "status:missing=maybe",
    ],
)
def test_malformed_values_are_400(clinic: None, api: TestClient, query: str) -> None:
    response = api.get(f"/fhir/Observation?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["resourceType"] == "OperationOutcome"


def test_post_search_and_uri_search(store: FhirStore, api: TestClient) -> None:
    store.write_many(
        [
            {
                "resourceType": "Questionnaire",
                "id": "q1",
                "status": "active",
                "url": "https://carehub.org/fhir/Questionnaire/ssrs",
            }
        ]
    )
    found = api.post(
        "/fhir/Questionnaire/_search",
        content=b"url=https%3A%2F%2Fcarehub.org%2Ffhir%2FQuestionnaire%2Fssrs",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ids(found.json()) == {"q1"}
    assert ids(_get(api, "/fhir/Questionnaire?url=https://carehub.org/other")) == set()


def test_xml_is_refused(api: TestClient) -> None:
    assert api.get("/fhir/Patient", headers={"Accept": "application/fhir+xml"}).status_code == 406
    posted = api.post(
        "/fhir/Patient", content=b"<Patient/>", headers={"Content-Type": "application/fhir+xml"}
    )
    assert posted.status_code == 415
    assert api.get("/fhir/Patient?_format=json").status_code == 200
