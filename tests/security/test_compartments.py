"""Compartments beyond scopes: a prevention doctor reaches only patients of the catchment."""

from __future__ import annotations

import pytest

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
