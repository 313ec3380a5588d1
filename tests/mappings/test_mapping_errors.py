"""Mapping errors: unmapped codes name code, field and map; messages never carry identifiers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.domain.records import SourceRecord
from mappings import (
    InvalidResource,
    InvalidValue,
    MappingContext,
    MappingError,
    UnknownRecordKind,
    UnmappedCode,
    map_record,
)
from tests.mappings.mapping_samples import RESIDENT_ID, SAMPLES

ContextFor = Callable[[str], MappingContext]


def _with(kind: str, **changes: object) -> SourceRecord:
    return SAMPLES[kind].model_copy(update=changes)


@pytest.mark.parametrize(
    ("kind", "field", "code", "concept_map"),
    [
        ("station.follow_up", "visit_type", "7", "CodeSystem/smd-follow-up-type"),
        ("station.registration", "diagnosis_code", "07", "CodeSystem/smd-diagnosis"),
        (
            "station.registration",
            "management_status",
            "暂停",
            "ConceptMap/station-management-status-code",
        ),
        ("hospital.patient", "sex", "X", "ConceptMap/hospital-sex"),
        ("hospital.patient", "guardian_relation", "舅舅", "ConceptMap/hospital-guardian-relation"),
        (
            "hospital.admission",
            "discharge_disposition",
            "escaped",
            "ConceptMap/hospital-discharge-disposition",
        ),
        ("hospital.medication_order", "drug_code", "YP999", "ConceptMap/hospital-formulary-atc"),
        ("hospital.medication_order", "frequency", "q3d", "tables/frequency.json"),
        ("agency.contact", "mode", "letter", "CodeSystem/contact-mode"),
        ("agency.case", "status", "archived", "ConceptMap/agency-case-status"),
        ("agency.intervention", "kind_code", "massage", "CodeSystem/social-work-intervention"),
    ],
)
def test_unmapped_code_names_code_field_and_map(
    kind: str, field: str, code: str, concept_map: str, context_for: ContextFor
) -> None:
    record = _with(kind, **{field: code})
    with pytest.raises(UnmappedCode) as caught:
        map_record(record, context_for(kind.split(".")[0]))
    error = caught.value
    assert (error.code, error.field) == (code, field)
    assert error.concept_map.endswith(concept_map)
    message = str(error)
    for part in (kind, record.source_key, field, code, concept_map):
        assert part in message


def test_error_messages_never_carry_a_resident_id_or_phone(context_for: ContextFor) -> None:
    # A source that typed the resident ID into the registration number field.
    record = _with("station.registration", registration_no=RESIDENT_ID, sex="13800138000")
    with pytest.raises(MappingError) as caught:
        map_record(record, context_for("station"))
    message = str(caught.value)
    assert RESIDENT_ID not in message
    assert "13800138000" not in message
    assert "[ID]" in message
    assert "[PHONE]" in message


def test_impossible_scale_answer_is_an_invalid_value(context_for: ContextFor) -> None:
    items = dict(SAMPLES["agency.scale"].items) | {"5C": 7}
    with pytest.raises(InvalidValue) as caught:
        map_record(_with("agency.scale", items=items), context_for("agency"))
    assert caught.value.field == "items.5C"


def test_unknown_scale_is_unmapped(context_for: ContextFor) -> None:
    with pytest.raises(UnmappedCode) as caught:
        map_record(_with("agency.scale", scale="HAMD"), context_for("agency"))
    assert caught.value.field == "scale"


def test_malformed_icd10_code_is_an_invalid_value(context_for: ContextFor) -> None:
    with pytest.raises(InvalidValue) as caught:
        map_record(_with("hospital.diagnosis", icd10_code="schizophrenia"), context_for("hospital"))
    assert caught.value.field == "icd10_code"


def test_unknown_record_kind(context_for: ContextFor) -> None:
    class Stray(SourceRecord):
        kind = "station.stray"
        key_field = "stray_id"
        stray_id: str

    with pytest.raises(UnknownRecordKind) as caught:
        map_record(Stray(stray_id="S1"), context_for("station"))
    assert "station.stray" in str(caught.value)


def test_total_mismatch_is_a_warning_not_an_error(context_for: ContextFor) -> None:
    result = map_record(_with("agency.scale", reported_total=30), context_for("agency"))
    (warning,) = result.warnings
    assert warning.field == "reported_total"
    assert "24" in warning.message
    assert "30" in warning.message
    agrees = map_record(_with("agency.scale", reported_total=24), context_for("agency"))
    assert agrees.warnings == []


def test_invalid_resident_id_is_left_out_with_a_warning(context_for: ContextFor) -> None:
    bad = RESIDENT_ID[:-1] + ("4" if RESIDENT_ID[-1] != "4" else "5")
    result = map_record(_with("station.registration", resident_id=bad), context_for("station"))
    assert [w.field for w in result.warnings] == ["resident_id"]
    assert bad not in result.resources[0].model_dump_json()


def test_a_resource_the_models_refuse_is_an_invalid_resource(context_for: ContextFor) -> None:
    # A code may not be blank: the station sent a street code of two spaces.
    record = _with("station.registration", street_code="  ")
    with pytest.raises(InvalidResource) as caught:
        map_record(record, context_for("station"))
    error = caught.value
    assert isinstance(error, MappingError)
    assert error.field == "Patient.extension.0.valueCode"
    message = str(error)
    assert "not valid FHIR R4B" in message
    assert record.source_key in message
    assert RESIDENT_ID not in message
