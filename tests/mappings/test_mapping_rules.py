"""Domain rules of the mappings, one at a time: statuses, classes, free text, dispositions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from hub.domain.records import SourceRecord
from hub.domain.source_time import source_time
from hub.store.documents import content_hash
from mappings import MappingContext, map_record
from tests.mappings.mapping_samples import SAMPLES

ContextFor = Callable[[str], MappingContext]


def _mapped(kind: str, ctx_for: ContextFor, **changes: object) -> list[dict[str, Any]]:
    record: SourceRecord = SAMPLES[kind].model_copy(update=changes)
    result = map_record(record, ctx_for(kind.split(".")[0]))
    return result.documents


def _only(documents: list[dict[str, Any]], resource_type: str) -> dict[str, Any]:
    (found,) = [d for d in documents if d["resourceType"] == resource_type]
    return found


@pytest.mark.parametrize(("status", "reason"), [("失访", "3"), ("迁出", None), ("moved", None)])
def test_management_ended_finishes_the_episode_with_history(
    status: str, reason: str | None, context_for: ContextFor
) -> None:
    docs = _mapped(
        "station.registration",
        context_for,
        management_status=status,
        status_changed_on=date(2023, 5, 1),
        loss_reason=reason,
    )
    episode = _only(docs, "EpisodeOfCare")
    assert episode["status"] == "finished"
    assert episode["period"] == {"start": "2019-06-01", "end": "2023-05-01"}
    assert [h["status"] for h in episode["statusHistory"]] == ["active", "finished"]
    assert episode["statusHistory"][0]["period"]["end"] == "2023-05-01"
    urls = {e["url"].rsplit("/", 1)[1] for e in episode["extension"]}
    assert ("loss-to-follow-up-reason" in urls) == (reason is not None)


def test_death_marks_the_patient_deceased(context_for: ContextFor) -> None:
    docs = _mapped(
        "station.registration",
        context_for,
        management_status="死亡",
        status_changed_on=date(2024, 2, 2),
    )
    assert _only(docs, "Patient")["deceasedDateTime"] == "2024-02-02"
    assert _only(docs, "EpisodeOfCare")["status"] == "finished"


@pytest.mark.parametrize(
    ("visit_type", "encounter_class"), [("1", "AMB"), ("2", "HH"), ("3", "VR")]
)
def test_follow_up_type_sets_the_encounter_class(
    visit_type: str, encounter_class: str, context_for: ContextFor
) -> None:
    docs = _mapped("station.follow_up", context_for, visit_type=visit_type)
    assert _only(docs, "Encounter")["class"]["code"] == encounter_class


@pytest.mark.parametrize(
    ("mode", "encounter_class"),
    [
        ("home_visit", "HH"),
        ("phone", "VR"),
        ("wechat", "VR"),
        ("sms", "VR"),
        ("office", "AMB"),
        ("group_activity", "FLD"),
    ],
)
def test_contact_mode_sets_class_and_type(
    mode: str, encounter_class: str, context_for: ContextFor
) -> None:
    encounter = _only(_mapped("agency.contact", context_for, mode=mode), "Encounter")
    assert encounter["class"]["code"] == encounter_class
    assert encounter["type"][0]["coding"][0]["code"] == mode


@pytest.mark.parametrize(
    ("status", "fhir_status"),
    [
        ("draft", "draft"),
        ("active", "active"),
        ("on_hold", "on-hold"),
        ("completed", "completed"),
        ("revoked", "revoked"),
    ],
)
def test_care_plan_status_follows_the_case_plan(
    status: str, fhir_status: str, context_for: ContextFor
) -> None:
    assert (
        _only(_mapped("agency.care_plan", context_for, status=status), "CarePlan")["status"]
        == fhir_status
    )


@pytest.mark.parametrize(
    ("adherence", "status"),
    [("1", "active"), ("2", "active"), ("3", "not-taken"), ("4", "not-taken")],
)
def test_adherence_sets_the_medication_statement(
    adherence: str, status: str, context_for: ContextFor
) -> None:
    statement = _only(
        _mapped("station.follow_up", context_for, adherence=adherence), "MedicationStatement"
    )
    assert statement["status"] == status
    (extension,) = statement["extension"]
    assert extension["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == adherence


def test_identifiers_typed_into_free_text_are_masked(context_for: ContextFor) -> None:
    reason = "家属电话13912345678，身份证110105198005010013"
    docs = _mapped("station.follow_up", context_for, referred=True, referral_reason=reason)
    text = repr(docs)
    assert "13912345678" not in text
    assert "110105198005010013" not in text
    assert "[PHONE]" in _only(docs, "ServiceRequest")["reasonCode"][0]["text"]


def test_supervision_has_a_child_task_per_step(context_for: ContextFor) -> None:
    tasks = [d for d in _mapped("agency.supervision", context_for) if d["resourceType"] == "Task"]
    (parent,) = [t for t in tasks if "partOf" not in t]
    children = [t for t in tasks if "partOf" in t]
    assert len(children) == 5
    assert {c["partOf"][0]["reference"] for c in children} == {f"Task/{parent['id']}"}
    assert [c["status"] for c in children].count("completed") == 2


def test_discharge_medication_carries_out_the_discharge_plan(context_for: ContextFor) -> None:
    admission = _mapped("hospital.admission", context_for)
    order = _only(_mapped("hospital.medication_order", context_for), "MedicationRequest")
    plan = _only(admission, "CarePlan")
    assert order["basedOn"] == [{"reference": f"CarePlan/{plan['id']}"}]
    assert order["category"][0]["coding"][0]["code"] == "discharge"


def test_still_in_hospital_means_no_discharge_plan(context_for: ContextFor) -> None:
    docs = _mapped(
        "hospital.admission", context_for, discharged_at=None, discharge_disposition=None
    )
    assert _only(docs, "Encounter")["status"] == "in-progress"
    assert _only(docs, "EpisodeOfCare")["status"] == "active"
    assert not [d for d in docs if d["resourceType"] == "CarePlan"]


def test_sdss_impairment_is_interpreted(context_for: ContextFor) -> None:
    items = {str(i): 0 for i in range(1, 11)} | {"3": 9, "4": 2}
    docs = _mapped("agency.scale", context_for, scale="SDSS", items=items, reported_total=2)
    (total,) = [d for d in docs if d["resourceType"] == "Observation"]
    assert total["valueInteger"] == 2
    assert total["interpretation"][0]["coding"][0]["code"] == "impaired"


@pytest.mark.parametrize(
    ("kind", "relation", "system", "code"),
    [
        ("hospital.patient", "配偶", "v3-RoleCode", "SPS"),
        ("hospital.patient", "其他", "v2-0131", "O"),
        ("hospital.adt", "CHD", "v3-RoleCode", "CHILD"),
        ("station.registration", "51", "v3-RoleCode", "FTH"),
        ("station.registration", "99", "v2-0131", "O"),
        ("agency.case", "sibling", "v3-RoleCode", "SIB"),
    ],
)
def test_each_source_spells_the_guardian_relation_its_own_way(
    kind: str, relation: str, system: str, code: str, context_for: ContextFor
) -> None:
    docs = _mapped(kind, context_for, guardian_name="王秀兰", guardian_relation=relation)
    coding = _only(docs, "RelatedPerson")["relationship"][0]["coding"][0]
    assert coding["system"].endswith(system)
    assert coding["code"] == code
    contact = _only(docs, "Patient")["contact"][0]
    assert contact["relationship"][0]["coding"][0] == coding


def test_an_adt_message_writes_the_patient_the_his_view_writes(context_for: ContextFor) -> None:
    # one hospital, one patient id: both write the same Patient, so an ADT message must give
    # what the view gives (PID-16 marital status, PID-22 ethnicity) or the later write drops it
    his = SAMPLES["hospital.patient"]
    person = his.model_dump(exclude={"patient_id", "updated_at"})
    from_view = _only(_mapped("hospital.patient", context_for), "Patient")
    from_adt = _only(_mapped("hospital.adt", context_for, **person), "Patient")
    assert from_view["maritalStatus"]["coding"][0]["code"] == "U"  # 10: unmarried
    assert content_hash(from_adt) == content_hash(from_view)  # all but when each was recorded
    assert source_time(from_adt) != source_time(from_view)
