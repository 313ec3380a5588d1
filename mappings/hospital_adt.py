"""HL7 v2 ADT messages (A01 admit, A03 discharge, A08 update) -> Patient, Encounter,
EpisodeOfCare and a Condition per diagnosis the message lists (DG1)."""

from __future__ import annotations

from typing import Any

from hub.domain.records import AdtEvent
from mappings._context import MappingContext, MappingWarning
from mappings._errors import InvalidValue
from mappings._fhir import instant
from mappings._people import to_guardian, to_patient
from mappings.hospital import admission_key, adt_stay, patient_extras, stay_resources
from mappings.hospital_clinical import ConditionFacts, icd10_condition

__all__ = ["MAPPING_VERSION", "map_adt"]

MAPPING_VERSION = "1.1.0"
_EVENTS = frozenset({"A01", "A03", "A08"})


def map_adt(event: AdtEvent, ctx: MappingContext) -> tuple[list[Any], list[MappingWarning]]:
    """Everything one ADT message holds; the stay's Encounter id is the HIS admission's."""
    if event.event_type not in _EVENTS:
        raise InvalidValue(
            event.kind, event.source_key, "event_type", event.event_type, "not one of A01, A03, A08"
        )
    extras = patient_extras(event)
    recorded = instant(event.event_time, ctx)  # the view's row and other messages write it too
    patient, warnings = to_patient(
        event, ctx, event.patient_id, "hospital-sex", extras, recorded=recorded
    )
    guardian = to_guardian(event, ctx, event.patient_id)
    resources: list[Any] = [patient, *([guardian] if guardian else [])]
    stay = adt_stay(event, ctx)
    if stay is None:
        return resources, warnings
    for code in event.diagnoses:
        facts = ConditionFacts(
            kind=event.kind,
            record_key=event.source_key,
            condition_key=f"adt|{stay.admission_id}|{code}",
            icd10_code=code,
            patient_id=event.patient_id,
            encounter_key=admission_key(stay.admission_id),
        )
        resources.append(icd10_condition(facts, ctx))
    return resources + stay_resources(stay, ctx, event.attending_doctor_name), warnings
