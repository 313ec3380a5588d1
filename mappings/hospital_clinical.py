"""Hospital diagnoses, medication orders and ward scales -> Condition, MedicationRequest,
QuestionnaireResponse and score Observations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hub.domain.codes import code_system_url
from hub.domain.identifiers import stable_id
from hub.domain.records import HospitalDiagnosis, HospitalMedicationOrder, HospitalScaleAssessment
from mappings._context import MappingContext, MappingWarning
from mappings._errors import InvalidValue, UnmappedCode
from mappings._fhir import build, concept, extension_url, instant, ref
from mappings._observations import ObservationFrame
from mappings._people import to_practitioner
from mappings._scales import ScaleForm, map_scale
from mappings._terminology import Where, frequency_table, maybe_translate, translate
from mappings.hospital import admission_key

__all__ = [
    "MAPPING_VERSION",
    "ConditionFacts",
    "icd10_condition",
    "map_diagnosis",
    "map_hospital_scale",
    "map_medication_order",
    "to_medication_request",
]

MAPPING_VERSION = "1.0.0"

ICD10 = "http://hl7.org/fhir/sid/icd-10"
# Chinese clinical editions extend WHO codes with up to three more digits (F20.001).
_ICD10_SHAPE = re.compile(r"^[A-Z]\d{2}(\.\d{1,4})?$")
_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_CATEGORY_DISPLAY = {
    "encounter-diagnosis": "Encounter Diagnosis",
    "problem-list-item": "Problem List Item",
}
_UCUM_UNITS = frozenset({"mg", "g", "ug", "mL", "ml", "mg/d"})
_FREQUENCY_TABLE = "mappings/data/tables/frequency.json"


@dataclass(frozen=True)
class ConditionFacts:
    """A diagnosis as any hospital feed states it."""

    kind: str
    record_key: str
    condition_key: str
    icd10_code: str
    patient_id: str
    encounter_key: str | None = None
    verification: dict[str, str] | None = None
    text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def icd10_condition(facts: ConditionFacts, ctx: MappingContext) -> Any:
    """Condition coded in ICD-10, with the national 01-06 code when the category is an SMD."""
    code = facts.icd10_code.strip().upper()
    if not _ICD10_SHAPE.match(code):
        raise InvalidValue(
            facts.kind, facts.record_key, "icd10_code", code, "is not an ICD-10 code"
        )
    national = maybe_translate("icd10-smd-diagnosis", code[:3])
    category = "encounter-diagnosis" if facts.encounter_key else "problem-list-item"
    verification = facts.verification or {
        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
        "code": "provisional",
        "display": "Provisional",
    }
    data = {
        "resourceType": "Condition",
        "id": stable_id(ctx.source_system, "Condition", facts.condition_key),
        "clinicalStatus": concept(
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active",
                "display": "Active",
            }
        ),
        "verificationStatus": concept(verification),
        "category": [
            concept({"system": _CATEGORY, "code": category, "display": _CATEGORY_DISPLAY[category]})
        ],
        "code": concept({"system": ICD10, "code": code}, national, text=facts.text),
        "subject": ref(ctx, "Patient", facts.patient_id),
        "encounter": ref(ctx, "Encounter", facts.encounter_key) if facts.encounter_key else None,
    }
    return build(data | facts.extra)


def map_diagnosis(
    diagnosis: HospitalDiagnosis, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Condition from an HIS diagnosis row; its type sets verification status and role."""
    where = Where(diagnosis.kind, diagnosis.source_key)
    verification = translate(
        "hospital-diagnosis-type", diagnosis.diagnosis_type, "diagnosis_type", where
    )
    role = translate("hospital-diagnosis-role", diagnosis.diagnosis_type, "diagnosis_type", where)
    doctor = ref(ctx, "Practitioner", diagnosis.doctor_id) if diagnosis.doctor_id else None
    facts = ConditionFacts(
        kind=diagnosis.kind,
        record_key=diagnosis.source_key,
        condition_key=f"diagnosis|{diagnosis.diagnosis_id}",
        icd10_code=diagnosis.icd10_code,
        patient_id=diagnosis.patient_id,
        encounter_key=admission_key(diagnosis.admission_id) if diagnosis.admission_id else None,
        verification=verification,
        text=diagnosis.diagnosis_name,
        extra={
            # Condition has no element for the diagnosis role (admission / discharge).
            "extension": [{"url": extension_url("diagnosis-role"), "valueCoding": role}],
            "onsetDateTime": diagnosis.onset_date.isoformat() if diagnosis.onset_date else None,
            "recordedDate": instant(diagnosis.diagnosed_at, ctx),
            "asserter": doctor,
        },
    )
    resources = [icd10_condition(facts, ctx)]
    if diagnosis.doctor_id:
        resources.append(to_practitioner(ctx, diagnosis.doctor_id, diagnosis.doctor_name))
    return resources, []


def _dosage(order: HospitalMedicationOrder, where: Where) -> dict[str, Any]:
    """Dosage: timing from the frequency table, route through its ConceptMap, dose quantity."""
    timing = None
    if order.frequency:
        entry = frequency_table().get(order.frequency.lower())
        if entry is None:
            raise UnmappedCode(
                where.kind, where.key, "frequency", order.frequency, _FREQUENCY_TABLE
            )
        gts = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
        code = concept({"system": gts, "code": entry["gts"]}) if entry["gts"] else None
        timing = {"repeat": entry["repeat"], "code": code}
    route = translate("hospital-route", order.route, "route", where) if order.route else None
    dose = None
    if order.dose is not None:
        unit = order.dose_unit
        ucum = unit in _UCUM_UNITS
        dose = {
            "value": order.dose,
            "unit": unit,
            "system": "http://unitsofmeasure.org" if ucum else None,
            "code": unit if ucum else None,
        }
    return {
        "timing": timing,
        "route": concept(route) if route else None,
        "doseAndRate": [{"doseQuantity": dose}] if dose else None,
    }


def to_medication_request(order: HospitalMedicationOrder, ctx: MappingContext) -> Any:
    """MedicationRequest of an inpatient or discharge order, drug coded in ATC."""
    where = Where(order.kind, order.source_key)
    atc = translate("hospital-formulary-atc", order.drug_code, "drug_code", where)
    local = {"system": code_system_url("hospital-formulary"), "code": order.drug_code}
    category = "discharge" if order.is_discharge_medication else "inpatient"
    stay = admission_key(order.admission_id) if order.admission_id else None
    return build(
        {
            "resourceType": "MedicationRequest",
            "id": stable_id(ctx.source_system, "MedicationRequest", f"order|{order.order_id}"),
            "extension": [{"url": extension_url("long-acting-injection"), "valueBoolean": True}]
            if order.long_acting
            else None,
            "status": translate("hospital-order-status", order.status, "status", where)["code"],
            "intent": "order",
            "category": [
                concept(
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/medicationrequest-category",
                        "code": category,
                    }
                )
            ],
            "medicationCodeableConcept": concept(atc, local, text=order.drug_name),
            "subject": ref(ctx, "Patient", order.patient_id),
            "encounter": ref(ctx, "Encounter", stay) if stay else None,
            "authoredOn": instant(order.ordered_at, ctx),
            "requester": ref(ctx, "Practitioner", order.prescriber_id)
            if order.prescriber_id
            else None,
            # Discharge medications carry out the discharge plan of the same stay.
            "basedOn": [ref(ctx, "CarePlan", stay)]
            if stay and order.is_discharge_medication
            else None,
            "dosageInstruction": [_dosage(order, where)],
            "dispenseRequest": {
                "validityPeriod": {
                    "start": instant(order.ordered_at, ctx),
                    "end": instant(order.stopped_at, ctx) if order.stopped_at else None,
                }
            },
        }
    )


def map_medication_order(
    order: HospitalMedicationOrder, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """MedicationRequest and its prescriber."""
    resources = [to_medication_request(order, ctx)]
    if order.prescriber_id:
        resources.append(to_practitioner(ctx, order.prescriber_id, order.prescriber_name))
    return resources, []


def map_hospital_scale(
    assessment: HospitalScaleAssessment, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """BPRS or PANSS: QuestionnaireResponse, totals computed here and checked against the ward's."""
    stay = admission_key(assessment.admission_id) if assessment.admission_id else None
    rater = ref(ctx, "Practitioner", assessment.rater_id) if assessment.rater_id else None
    frame = ObservationFrame(
        ctx=ctx,
        key=f"scale|{assessment.assessment_id}",
        subject=ref(ctx, "Patient", assessment.patient_id),
        effective=instant(assessment.assessed_at, ctx),
        encounter=ref(ctx, "Encounter", stay) if stay else None,
        performer=rater,
    )
    form = ScaleForm(
        kind=assessment.kind,
        record_key=assessment.source_key,
        scale=assessment.scale.upper(),
        items=assessment.items,
        reported_total=assessment.reported_total,
        authored=instant(assessment.assessed_at, ctx),
        frame=frame,
    )
    resources, warnings = map_scale(form)
    if assessment.rater_id:
        resources.append(to_practitioner(ctx, assessment.rater_id, None))
    return resources, warnings
