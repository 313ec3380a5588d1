"""Parking: which references a record's resources make, which will dangle, which exist."""

from __future__ import annotations

from typing import Any

from hub.ingest.references import (
    MISSING_CHECK,
    REFERENCE_STAGE,
    existing_references,
    missing_reason,
    outgoing_references,
    own_references,
    unresolved,
)
from hub.store import FhirStore


def _res(type_: str, id_: str, *refs: str) -> dict[str, Any]:
    return {
        "resourceType": type_,
        "id": id_,
        "subject": [{"reference": r} for r in refs],
    }


def test_outgoing_references_are_relative_and_leave_out_the_records_own_resources() -> None:
    encounter = _res("Encounter", "e1", "Patient/p1", "EpisodeOfCare/ep1")
    encounter["contained"] = [{"resourceType": "Device", "id": "d"}]
    encounter["device"] = {"reference": "#d"}
    encounter["partOf"] = {"reference": "https://elsewhere.org/fhir/Encounter/x"}
    encounter["basedOn"] = [{"reference": "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"}]
    provenance = _res("Provenance", "pv", "Encounter/e1")
    assert outgoing_references([encounter, provenance]) == {"Patient/p1", "EpisodeOfCare/ep1"}
    assert own_references([encounter, provenance]) == {"Encounter/e1", "Provenance/pv"}


def test_nothing_is_parked_when_every_target_is_in_the_store_or_the_page() -> None:
    outputs = {
        0: [_res("Patient", "p1")],
        1: [_res("Encounter", "e1", "Patient/p1", "Organization/o1")],
    }
    assert unresolved(outputs, {"Organization/o1"}) == {}


def test_a_record_pointing_at_nothing_is_parked_with_its_missing_targets_sorted() -> None:
    outputs = {3: [_res("Encounter", "e1", "Patient/p9", "EpisodeOfCare/ep9", "Patient/p1")]}
    assert unresolved(outputs, {"Patient/p1"}) == {3: ["EpisodeOfCare/ep9", "Patient/p9"]}


def test_parking_a_parent_parks_the_children_that_point_at_it_in_the_same_page() -> None:
    outputs = {
        0: [_res("EpisodeOfCare", "ep1", "Patient/gone")],
        1: [_res("Encounter", "e1", "EpisodeOfCare/ep1")],
        2: [_res("Observation", "o1", "Encounter/e1")],
        3: [_res("Observation", "o2", "Patient/here")],
    }
    parked = unresolved(outputs, {"Patient/here"})
    assert parked == {0: ["Patient/gone"], 1: ["EpisodeOfCare/ep1"], 2: ["Encounter/e1"]}


def test_the_reason_names_the_missing_target_for_a_person() -> None:
    reason = missing_reason(["EpisodeOfCare/abc"])
    assert (reason.stage, reason.check) == (REFERENCE_STAGE, MISSING_CHECK)
    assert reason.message.startswith("refers to EpisodeOfCare/abc which is not in the store")
    many = missing_reason([f"Patient/p{i}" for i in range(5)])
    assert "Patient/p0, Patient/p1, Patient/p2 and 2 more which are not in the store" in (
        many.message
    )


def test_existing_references_finds_current_resources_of_every_type(store: FhirStore) -> None:
    patients = [{"resourceType": "Patient", "id": f"p{i}"} for i in range(3)]
    store.write_many([*patients, {"resourceType": "Encounter", "id": "e1"}])
    with store.begin() as session:
        session.delete("Patient", "p2")
    asked = {"Patient/p0", "Patient/p1", "Patient/p2", "Patient/p9", "Encounter/e1", "Task/e1"}
    with store.engine.connect() as conn:
        assert existing_references(conn, asked) == {"Patient/p0", "Patient/p1", "Encounter/e1"}
        assert existing_references(conn, set()) == set()
