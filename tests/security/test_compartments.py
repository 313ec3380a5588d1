"""Compartments beyond scopes: a prevention doctor reaches only patients of the catchment."""

from __future__ import annotations

import re

import pytest

from hub.continuity.tasks import RULE_SYSTEM, STREET_URL
from hub.security.compartment import in_area, patient_of_query
from hub.security.roles import Role
from tests.security.conftest import TestClient, token_for

AREA = "110105004"  # the sub-district of the three-source person's source records


def _doctor(area: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(Role.PREVENTION_DOCTOR, area=area)}"}


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/Patient/w-s",
        "/fhir/Patient/w-s/$everything",
        "/api/patients/w-s/timeline",
        "/fhir/Observation?subject=Patient/w-s",
        "/fhir/Patient?_id=w-s",
        "/web/patients/w-s",
    ],
)
def test_own_catchment_is_open_and_another_is_not(secure_app: TestClient, path: str) -> None:
    """The same request is allowed for the doctor of the area and refused for another."""
    assert secure_app.get(path, headers=_doctor(AREA)).status_code == 200
    assert secure_app.get(path, headers=_doctor("110105999")).status_code == 403


@pytest.mark.parametrize("path", ["/fhir/Observation", "/fhir/Patient?name=w", "/fhir/_history"])
def test_area_callers_must_name_one_patient(secure_app: TestClient, path: str) -> None:
    """District-wide searches would cross the catchment: refused."""
    assert secure_app.get(path, headers=_doctor(AREA)).status_code == 403


def test_a_patient_without_a_sub_district_is_in_no_area() -> None:
    """Unknown residence never counts as inside someone's catchment."""
    assert not in_area({"resourceType": "Patient"}, AREA)
    assert patient_of_query("Observation", {"subject": "Patient/p1"}) == "p1"
    assert patient_of_query("Observation", {"subject": "Patient/p1,Patient/p2"}) is None
    assert patient_of_query("Observation", {"_id": "p1"}) is None


def _transaction(*entries: tuple[str, dict[str, object]]) -> dict[str, object]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": m, "url": f"{r['resourceType']}/{r['id']}"}}
            for m, r in entries
        ],
    }


def test_a_transaction_needs_what_each_entry_needs(secure_app: TestClient) -> None:
    """A connector scoped to Observations posts them in a transaction, but no Patient."""
    token = token_for(Role.CONNECTOR, scopes="system/Observation.cu")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}
    observation = {
        "resourceType": "Observation",
        "id": "o-tx",
        "status": "final",
        "code": {"text": "weight"},
    }
    patient = {"resourceType": "Patient", "id": "p-tx"}
    ok = secure_app.post("/fhir", json=_transaction(("PUT", observation)), headers=headers)
    assert ok.status_code == 200, ok.text
    both = _transaction(("PUT", observation), ("PUT", patient))
    assert secure_app.post("/fhir", json=both, headers=headers).status_code == 403
    reads = _transaction(("GET", observation))
    assert secure_app.post("/fhir", json=reads, headers=headers).status_code == 403


def _gap_task(task_id: str, street: str) -> dict[str, object]:
    return {
        "resourceType": "Task",
        "id": task_id,
        "status": "requested",
        "intent": "order",
        "code": {"coding": [{"system": RULE_SYSTEM, "code": "discharge-follow-up"}]},
        "for": {"reference": "Patient/w-s"},
        "owner": {"reference": "Organization/station", "display": "station"},
        "extension": [{"url": STREET_URL, "valueCode": street}],
    }


def test_the_worklist_shows_an_area_caller_its_own_area_only(secure_app: TestClient) -> None:
    """A doctor limited to an area gets that area's gaps; the district team gets all."""
    store = secure_app.app.state.store  # type: ignore[attr-defined]
    store.write_many([_gap_task("gap-in", AREA), _gap_task("gap-out", "110105999")])
    own = secure_app.get("/api/worklist", headers=_doctor(AREA))
    assert own.status_code == 200, own.text
    assert [i["task_id"] for i in own.json()["items"]] == ["gap-in"]
    other = secure_app.get("/api/worklist?street=110105999", headers=_doctor(AREA))
    assert other.status_code == 403
    team = {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}
    everything = secure_app.get("/api/worklist", headers=team).json()["items"]
    assert sorted(i["task_id"] for i in everything) == ["gap-in", "gap-out"]


def _social_worker(practitioner: str | None) -> dict[str, str]:
    token = token_for(Role.SOCIAL_WORKER, fhirUser=practitioner)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "path", ["/fhir/Patient/w-a", "/fhir/Patient/w-g", "/fhir/Patient?_id=w-a"]
)
def test_a_social_worker_reaches_the_clients_of_their_own_cases(
    secure_app: TestClient, path: str
) -> None:
    """sw1 manages the agency case of this person; sw2 and pd1 (not a case) do not."""
    assert secure_app.get(path, headers=_social_worker("Practitioner/sw1")).status_code == 200
    assert secure_app.get(path, headers=_social_worker("Practitioner/sw2")).status_code == 403
    # pd1 manages the community-management episode, which is not a social-work case
    assert secure_app.get(path, headers=_social_worker("Practitioner/pd1")).status_code == 403


def test_a_social_worker_must_name_one_client(secure_app: TestClient) -> None:
    """A district-wide search would cross the caseload: refused."""
    sw1 = _social_worker("Practitioner/sw1")
    assert secure_app.get("/fhir/Patient?gender=female", headers=sw1).status_code == 403


def test_a_social_worker_without_a_practitioner_reaches_no_client(
    secure_app: TestClient,
) -> None:
    """Own cases only: a token that names no Practitioner cannot be placed, so no record."""
    unplaced = _social_worker(None)
    for path in ("/fhir/Patient/w-a", "/fhir/Observation?patient=w-a"):
        refused = secure_app.get(path, headers=unplaced)
        assert refused.status_code == 403, path
        assert "names no Practitioner" in refused.text
    assert secure_app.get("/api/worklist", headers=unplaced).status_code == 200


def test_the_worklist_page_shows_an_area_caller_its_own_area_only(
    secure_app: TestClient,
) -> None:
    """The page narrows like the API: own area listed, the other area's gap absent, 403 asked."""
    store = secure_app.app.state.store  # type: ignore[attr-defined]
    store.write_many([_gap_task("gap-in", AREA), _gap_task("gap-out", "110105999")])
    page = secure_app.get("/web/worklist", headers=_doctor(AREA))
    assert page.status_code == 200, page.text
    assert "110105999" not in page.text
    assert AREA in page.text
    assert (
        secure_app.get("/web/worklist?street=110105999", headers=_doctor(AREA)).status_code == 403
    )


@pytest.mark.parametrize(
    ("path", "client", "outsider"),
    [("/api/worklist", "gap-client", "gap-stranger"), ("/web/worklist", "gap-client", "Zhaoyi")],
)
def test_a_social_worker_sees_the_gaps_of_their_own_clients(
    secure_app: TestClient, path: str, client: str, outsider: str
) -> None:
    """The worklist keeps a social worker's own clients (any of their source records)."""
    stranger = {"resourceType": "Patient", "id": "stranger", "name": [{"family": "Zhaoyi"}]}
    theirs, other = _gap_task("gap-client", AREA), _gap_task("gap-stranger", AREA)
    other["for"] = {"reference": "Patient/stranger"}
    store = secure_app.app.state.store  # type: ignore[attr-defined]
    store.write_many([stranger, theirs, other])
    team = {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}
    shown = {
        who: secure_app.get(path, headers=headers)
        for who, headers in (
            ("sw1", _social_worker("Practitioner/sw1")),
            ("sw2", _social_worker("Practitioner/sw2")),
            ("unplaced", _social_worker(None)),
            ("team", team),
        )
    }
    assert {who: r.status_code for who, r in shown.items()} == dict.fromkeys(shown, 200)
    if path == "/web/worklist":  # the page names the patients; the client's is the team's other
        client = next(n for n in _page_names(shown["team"].text) if n != outsider)
    assert client in shown["sw1"].text
    assert outsider not in shown["sw1"].text
    for who in ("sw2", "unplaced"):
        assert client not in shown[who].text
        assert outsider not in shown[who].text
    assert client in shown["team"].text
    assert outsider in shown["team"].text


def _page_names(page: str) -> list[str]:
    """The patient names in the worklist page's rows (links to the patient page)."""
    return re.findall(r'<a class="patient-link" href="/web/patients/[^"]+">([^<]+)</a>', page)
