"""The HIS views the hub reads, declared: view name, record kind, key and column map."""

from __future__ import annotations

from typing import Any

from connectors.fields import FieldMap, as_json

__all__ = ["HIS_VIEWS", "UPDATED_AT"]

#: The column every HIS view carries and the hub pages on.
UPDATED_AT = "updated_at"


def _keep(value: Any) -> Any:
    """Numbers and flags as the database typed them."""
    return value


_PATIENT_OF = {"pat_id": "patient_id", "updated_at": "updated_at"}
_STAY_OF = {**_PATIENT_OF, "adm_id": "admission_id"}

#: View -> its declared field map, in the order the views are read (patients first).
HIS_VIEWS: dict[str, FieldMap] = {
    "v_patient": FieldMap.of(
        "hospital.patient",
        "pat_id",
        {
            **_PATIENT_OF,
            "pat_name": "name",
            "sex_code": "sex",
            "birth_dt": "birth_date",
            "id_card_no": "resident_id",
            "phone": "phone",
            "address": "address",
            "guardian_name": "guardian_name",
            "guardian_phone": "guardian_phone",
            "guardian_rel": "guardian_relation",
            "nation_code": "ethnicity",
            "marital_code": "marital_status",
        },
    ),
    "v_admission": FieldMap.of(
        "hospital.admission",
        "adm_id",
        {
            **_STAY_OF,
            "ward_code": "ward",
            "adm_time": "admitted_at",
            "dis_time": "discharged_at",
            "dis_way": "discharge_disposition",
            "doctor_id": "attending_doctor_id",
            "doctor_name": "attending_doctor_name",
            "treat_effect": "treatment_effect",
            "danger_flag": ("dangerous_behaviour", _keep),
            "lai_flag": ("long_acting_injection", _keep),
            "rehab_advice": "recommended_rehabilitation",
        },
    ),
    "v_diagnosis": FieldMap.of(
        "hospital.diagnosis",
        "diag_id",
        {
            **_STAY_OF,
            "diag_id": "diagnosis_id",
            "icd10": "icd10_code",
            "diag_name": "diagnosis_name",
            "diag_type": "diagnosis_type",
            "diag_time": "diagnosed_at",
            "onset_date": "onset_date",
            "doctor_id": "doctor_id",
            "doctor_name": "doctor_name",
        },
    ),
    "v_medication_order": FieldMap.of(
        "hospital.medication_order",
        "order_id",
        {
            **_STAY_OF,
            "order_id": "order_id",
            "drug_code": "drug_code",
            "drug_name": "drug_name",
            "dose": ("dose", _keep),
            "dose_unit": "dose_unit",
            "route": "route",
            "freq": "frequency",
            "lai_flag": ("long_acting", _keep),
            "discharge_flag": ("is_discharge_medication", _keep),
            "status": "status",
            "order_time": "ordered_at",
            "stop_time": "stopped_at",
            "prescriber_id": "prescriber_id",
            "prescriber_name": "prescriber_name",
        },
    ),
    "v_scale_assessment": FieldMap.of(
        "hospital.scale_assessment",
        "assess_id",
        {
            **_STAY_OF,
            "assess_id": "assessment_id",
            "scale_code": "scale",
            "assess_time": "assessed_at",
            "items_json": ("items", as_json),
            "total_score": ("reported_total", _keep),
            "rater_id": "rater_id",
        },
    ),
}
