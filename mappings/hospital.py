"""Hospital patients, admissions and HL7 v2 ADT events -> Patient, Encounter (IMP),
EpisodeOfCare (inpatient stay), Location, discharge CarePlan and discharge Observations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain.identifiers import stable_id
from hub.domain.records import AdtEvent, HospitalAdmission, HospitalPatient
from mappings._context import MappingContext, MappingWarning
from mappings._fhir import build, concept, extension_url, instant, ours, ref
from mappings._observations import ObservationFrame, coded_value, to_observation
from mappings._people import to_guardian, to_patient, to_practitioner
from mappings._privacy import redact
from mappings._terminology import Where, local_code, translate

__all__ = [
    "MAPPING_VERSION",
    "StayFacts",
    "admission_key",
    "map_admission",
    "map_hospital_patient",
    "patient_extras",
    "to_discharge_plan",
    "to_inpatient_encounter",
    "to_inpatient_episode",
    "to_ward",
]

MAPPING_VERSION = "1.1.0"

_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"


def admission_key(admission_id: str) -> str:
    """Key of the Encounter, EpisodeOfCare and discharge CarePlan of one stay."""
    return f"admission|{admission_id}"


@dataclass(frozen=True)
class StayFacts:
    """What the HIS admission view and an ADT message both say about one hospital stay."""

    admission_id: str
    patient_id: str
    encounter_class: dict[str, str]
    admitted_at: datetime | None
    discharged_at: datetime | None
    disposition: dict[str, str] | None
    ward: str | None
    doctor_id: str | None
    #: When the source recorded these facts (the ADT event time, the view row's update):
    #: both write the stay, and the older never replaces the newer (``hub.domain.source_time``)
    recorded_at: datetime | None = None


def to_ward(ctx: MappingContext, ward: str) -> Any:
    """Location of a ward, keyed by its name in the HIS."""
    return build(
        {
            "resourceType": "Location",
            "id": stable_id(ctx.source_system, "Location", f"ward|{ward}"),
            "status": "active",
            "name": ward,
            "mode": "instance",
            "physicalType": concept(
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "wa",
                    "display": "Ward",
                }
            ),
        }
    )


def to_inpatient_encounter(stay: StayFacts, ctx: MappingContext) -> Any:
    """Encounter of the stay; the HIS view and ADT build it alike, so either may update it."""
    key = admission_key(stay.admission_id)
    inpatient = stay.encounter_class["code"] == "IMP"
    attending = {
        "type": [concept({"system": _PARTICIPATION, "code": "ATND", "display": "attender"})],
        "individual": ref(ctx, "Practitioner", stay.doctor_id or ""),
    }
    return build(
        {
            "resourceType": "Encounter",
            "id": stable_id(ctx.source_system, "Encounter", key),
            "status": "finished" if stay.discharged_at else "in-progress",
            "class": stay.encounter_class,
            "subject": ref(ctx, "Patient", stay.patient_id),
            "episodeOfCare": [ref(ctx, "EpisodeOfCare", key)] if inpatient else None,
            "participant": [attending] if stay.doctor_id else None,
            "period": {
                "start": instant(stay.admitted_at, ctx) if stay.admitted_at else None,
                "end": instant(stay.discharged_at, ctx) if stay.discharged_at else None,
            },
            "hospitalization": {"dischargeDisposition": concept(stay.disposition)}
            if stay.disposition
            else None,
            "location": [{"location": ref(ctx, "Location", f"ward|{stay.ward}", stay.ward)}]
            if stay.ward
            else None,
        },
        recorded=_recorded(stay, ctx),
    )


def to_inpatient_episode(stay: StayFacts, ctx: MappingContext) -> Any:
    """EpisodeOfCare for the inpatient stay: active while in hospital, finished at discharge."""
    return build(
        {
            "resourceType": "EpisodeOfCare",
            "id": stable_id(ctx.source_system, "EpisodeOfCare", admission_key(stay.admission_id)),
            "status": "finished" if stay.discharged_at else "active",
            "type": [concept(ours("episode-type", "inpatient-stay"))],
            "patient": ref(ctx, "Patient", stay.patient_id),
            "period": {
                "start": instant(stay.admitted_at, ctx) if stay.admitted_at else None,
                "end": instant(stay.discharged_at, ctx) if stay.discharged_at else None,
            },
            "careManager": ref(ctx, "Practitioner", stay.doctor_id) if stay.doctor_id else None,
        },
        recorded=_recorded(stay, ctx),
    )


def _recorded(stay: StayFacts, ctx: MappingContext) -> str | None:
    return instant(stay.recorded_at, ctx) if stay.recorded_at else None


def stay_resources(stay: StayFacts, ctx: MappingContext, doctor_name: str | None) -> list[Any]:
    """Encounter, plus the EpisodeOfCare, ward and doctor it references."""
    inpatient = stay.encounter_class["code"] == "IMP"
    return [
        r
        for r in (
            to_inpatient_encounter(stay, ctx),
            to_inpatient_episode(stay, ctx) if inpatient else None,
            to_ward(ctx, stay.ward) if stay.ward else None,
            to_practitioner(ctx, stay.doctor_id, doctor_name) if stay.doctor_id else None,
        )
        if r is not None
    ]


def to_discharge_plan(admission: HospitalAdmission, ctx: MappingContext) -> Any | None:
    """CarePlan of the discharge: recommended rehabilitation and long-acting injection."""
    if admission.discharged_at is None:
        return None
    key = admission_key(admission.admission_id)
    activities = []
    if admission.recommended_rehabilitation:
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {"text": redact(admission.recommended_rehabilitation)},
                    "status": "not-started",
                }
            }
        )
    if admission.long_acting_injection:
        activities.append(
            {
                "detail": {
                    "kind": "MedicationRequest",
                    "code": {"text": "Long-acting injectable antipsychotic"},
                    "status": "scheduled",
                }
            }
        )
    return build(
        {
            "resourceType": "CarePlan",
            "id": stable_id(ctx.source_system, "CarePlan", key),
            "status": "active",
            "intent": "plan",
            "category": [concept(ours("care-plan-category", "discharge-plan"))],
            "subject": ref(ctx, "Patient", admission.patient_id),
            "encounter": ref(ctx, "Encounter", key),
            "period": {"start": instant(admission.discharged_at, ctx)},
            "author": ref(ctx, "Practitioner", admission.attending_doctor_id)
            if admission.attending_doctor_id
            else None,
            "activity": activities,
        }
    )


def _discharge_observations(admission: HospitalAdmission, ctx: MappingContext) -> list[Any]:
    """Treatment effect at discharge and dangerous behaviour during the stay."""
    if admission.discharged_at is None:
        return []
    key = admission_key(admission.admission_id)
    frame = ObservationFrame(
        ctx=ctx,
        key=key,
        subject=ref(ctx, "Patient", admission.patient_id),
        effective=instant(admission.discharged_at, ctx),
        encounter=ref(ctx, "Encounter", key),
        performer=ref(ctx, "Practitioner", admission.attending_doctor_id)
        if admission.attending_doctor_id
        else None,
    )
    out = []
    if admission.treatment_effect:
        where = Where(admission.kind, admission.source_key)
        effect = local_code(
            "smd-treatment-effect", admission.treatment_effect, "treatment_effect", where
        )
        out.append(to_observation(frame, "treatment-effect", "therapy", coded_value(effect)))
    if admission.dangerous_behaviour is not None:
        value = {"valueBoolean": admission.dangerous_behaviour}
        out.append(
            to_observation(frame, "dangerous-behaviour-in-hospital", "social-history", value)
        )
    return out


def map_admission(
    admission: HospitalAdmission, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Everything an admission row holds."""
    where = Where(admission.kind, admission.source_key)
    disposition = (
        translate(
            "hospital-discharge-disposition",
            admission.discharge_disposition,
            "discharge_disposition",
            where,
        )
        if admission.discharge_disposition
        else None
    )
    stay = StayFacts(
        admission_id=admission.admission_id,
        patient_id=admission.patient_id,
        encounter_class={
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "IMP",
            "display": "inpatient encounter",
        },
        admitted_at=admission.admitted_at,
        discharged_at=admission.discharged_at,
        disposition=disposition,
        ward=admission.ward,
        doctor_id=admission.attending_doctor_id,
        recorded_at=admission.updated_at,
    )
    resources = stay_resources(stay, ctx, admission.attending_doctor_name)
    plan = to_discharge_plan(admission, ctx)
    resources += [plan] if plan else []
    return resources + _discharge_observations(admission, ctx), []


def patient_extras(patient: HospitalPatient | AdtEvent) -> dict[str, Any]:
    """Ethnicity and marital status, which the HIS patient view and the ADT PID segment share.

    Both write the same Patient (one hospital, one patient id): each must give all it knows,
    or the later write drops what the other gave.
    """
    where = Where(patient.kind, patient.source_key)
    extras: dict[str, Any] = {}
    if patient.ethnicity:
        ethnicity = translate("hospital-ethnicity", patient.ethnicity, "ethnicity", where)
        extras["extension"] = [{"url": extension_url("ethnicity"), "valueCoding": ethnicity}]
    if patient.marital_status:
        marital = translate(
            "hospital-marital-status", patient.marital_status, "marital_status", where
        )
        extras["maritalStatus"] = concept(marital)
    return extras


def map_hospital_patient(
    patient: HospitalPatient, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Patient and guardian from the HIS patient view."""
    resource, warnings = to_patient(
        patient,
        ctx,
        patient.patient_id,
        "hospital-sex",
        patient_extras(patient),
        recorded=instant(patient.updated_at, ctx),
    )
    guardian = to_guardian(patient, ctx, patient.patient_id)
    return [resource, *([guardian] if guardian else [])], warnings


def adt_stay(event: AdtEvent, ctx: MappingContext) -> StayFacts | None:
    """The stay an ADT message is about, when it names a visit."""
    if not event.visit_number:
        return None
    where = Where(event.kind, event.source_key)
    encounter_class = translate(
        "adt-patient-class", event.patient_class or "I", "patient_class", where
    )
    disposition = (
        # PV1-36 carries the HIS dis_way codes.
        translate(
            "hospital-discharge-disposition",
            event.discharge_disposition,
            "discharge_disposition",
            where,
        )
        if event.discharge_disposition
        else None
    )
    return StayFacts(
        admission_id=event.visit_number,
        patient_id=event.patient_id,
        encounter_class=encounter_class,
        admitted_at=event.admitted_at,
        discharged_at=event.discharged_at,
        disposition=disposition,
        ward=event.ward,
        doctor_id=event.attending_doctor_id,
        recorded_at=event.event_time,
    )
