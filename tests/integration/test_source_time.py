"""An older fact never replaces a newer one: a stay written by ADT messages and the HIS
admission view is not reopened by a message about its admission that arrives late, and a
patient's details an ADT message updated are not undone by an older row of the HIS view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hub.domain.records import AdtEvent, HospitalAdmission, HospitalPatient, SourceRecord
from hub.store import FhirStore
from mappings import MappingContext, map_record
from tests.mappings.mapping_samples import HOSPITAL

_CONTEXT = MappingContext(source_system="hospital", run_id="test", district_code="110105")
_DISCHARGE = next(r for r in HOSPITAL if isinstance(r, AdtEvent))
_VIEW = next(r for r in HOSPITAL if isinstance(r, HospitalAdmission))
_STAY_TYPES = ("Encounter", "EpisodeOfCare")


def _admit(at: datetime = datetime(2024, 1, 5, 14, 0)) -> AdtEvent:
    """The A01 of the sample stay (its A03 is ``_DISCHARGE``, recorded 2024-01-20 10:00)."""
    return _DISCHARGE.model_copy(
        update={
            "message_control_id": "MSG00041",
            "event_type": "A01",
            "event_time": at,
            "discharged_at": None,
            "discharge_disposition": None,
        }
    )


def _documents(record: SourceRecord) -> list[dict[str, Any]]:
    result = map_record(record, _CONTEXT)
    return result.documents or [
        r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in result.resources
    ]


def _stay(store: FhirStore) -> dict[str, tuple[str, str]]:
    """Status and version of the stay's Encounter and EpisodeOfCare as stored."""
    found = {}
    for document in _documents(_DISCHARGE):
        if document["resourceType"] in _STAY_TYPES:
            stored = store.read(document["resourceType"], document["id"]).as_dict()
            found[stored["resourceType"]] = (stored["status"], stored["meta"]["versionId"])
    return found


_FINISHED_ONCE = {"Encounter": ("finished", "1"), "EpisodeOfCare": ("finished", "1")}


def test_an_admit_replayed_after_the_discharge_does_not_reopen_the_stay(
    store: FhirStore,
) -> None:
    store.write_many(_documents(_DISCHARGE))
    summary = store.write_many(_documents(_admit()))
    assert _stay(store) == _FINISHED_ONCE
    assert summary.unchanged >= len(_STAY_TYPES)
    for document in _documents(_admit()):  # one at a time, as a PUT writes
        if document["resourceType"] in _STAY_TYPES:
            assert store.update(document).version_id == 1
    assert _stay(store) == _FINISHED_ONCE


def test_the_discharge_after_the_admit_finishes_the_stay(store: FhirStore) -> None:
    store.write_many(_documents(_admit()))
    assert _stay(store) == {"Encounter": ("in-progress", "1"), "EpisodeOfCare": ("active", "1")}
    store.write_many(_documents(_DISCHARGE))
    assert _stay(store) == {"Encounter": ("finished", "2"), "EpisodeOfCare": ("finished", "2")}


def test_a_view_exported_before_the_discharge_does_not_reopen_the_stay(
    store: FhirStore,
) -> None:
    store.write_many(_documents(_DISCHARGE))
    stale = _VIEW.model_copy(
        update={
            "discharged_at": None,
            "discharge_disposition": None,
            "updated_at": datetime(2024, 1, 19, 8, 0),
        }
    )
    store.write_many(_documents(stale))
    assert _stay(store) == _FINISHED_ONCE
    corrected = stale.model_copy(update={"updated_at": datetime(2024, 1, 21, 9, 0)})
    store.write_many(_documents(corrected))  # a later row may undo the discharge
    assert _stay(store) == {"Encounter": ("in-progress", "2"), "EpisodeOfCare": ("active", "2")}


@pytest.mark.parametrize("late_first", [False, True])
def test_one_batch_keeps_the_newer_of_two_versions(store: FhirStore, late_first: bool) -> None:
    pair = [_documents(_admit()), _documents(_DISCHARGE)]
    if late_first:
        pair.reverse()
    store.write_many([*pair[0], *pair[1]])
    assert _stay(store) == _FINISHED_ONCE


def test_the_same_facts_recorded_again_later_are_unchanged(store: FhirStore) -> None:
    store.write_many(_documents(_DISCHARGE))
    resent = _DISCHARGE.model_copy(update={"event_time": datetime(2024, 1, 22, 8, 0)})
    summary = store.write_many(_documents(resent))
    assert _stay(store) == _FINISHED_ONCE
    assert not set(summary.by_type) & set(_STAY_TYPES)  # only the message's Provenance


def _patient(record: SourceRecord) -> dict[str, Any]:
    (patient,) = [d for d in _documents(record) if d["resourceType"] == "Patient"]
    return patient


def test_an_older_view_row_does_not_undo_the_phone_an_adt_message_changed(
    store: FhirStore,
) -> None:
    # the HIS view row (updated 2024-01-20 09:30) and an A08 (10:00, new phone) write the same
    # Patient; pulled in either order, the A08's phone stays
    view = next(r for r in HOSPITAL if isinstance(r, HospitalPatient))
    person = view.model_dump(exclude={"patient_id", "updated_at"})
    update = _DISCHARGE.model_copy(
        update={**person, "message_control_id": "MSG00043", "event_type": "A08"}
    )
    update = update.model_copy(update={"phone": "13911112222"})
    for first, then in ((view, update), (update, view)):
        store.write_many([_patient(first)])
        store.write_many([_patient(then)])
        stored = store.read("Patient", _patient(view)["id"]).as_dict()
        assert stored["telecom"] == [{"system": "phone", "value": "13911112222"}]
        assert stored["maritalStatus"]["coding"][0]["code"] == "U"
        with store.begin() as session:
            session.delete("Patient", stored["id"])
