"""Source records: what each source system holds, in the hub's own words.

This module is the contract between the three sides of the hub:

* ``simulators/`` emits each system's *native* shape (HIS tables, HL7 v2 ADT, GB18030 CSV
  with Chinese headers, the agency's JSON API);
* ``connectors/`` pull the native shape, land it raw, and parse each raw record into one of
  the models below (``RECORD_KINDS[kind].model_validate(payload)``);
* ``mappings/`` turn a parsed record into FHIR resources.

Codes are kept as the source wrote them (``str``): turning a local code into a standard one
is the mapping's job (through a ConceptMap), and an unknown code must reach the mapping so
that it can quarantine the record naming the code. Dates are parsed here, so a record with an
impossible date fails parsing and is quarantined with the field named.

Every record names the local key of the patient it is about (``patient_key``); together
with its source system that key identifies one *source* patient, linked to a person later.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "RECORD_KINDS",
    "AdtEvent",
    "AgencyCareplan",
    "AgencyCase",
    "AgencyClosure",
    "AgencyContact",
    "AgencyIntervention",
    "AgencyNeedsAssessment",
    "AgencyScaleAssessment",
    "AgencySupervision",
    "CarePlanGoal",
    "CarePlanReview",
    "CareTeamMember",
    "EmergencyHandling",
    "FollowUpVisit",
    "HospitalAdmission",
    "HospitalDiagnosis",
    "HospitalMedicationOrder",
    "HospitalPatient",
    "HospitalScaleAssessment",
    "IdentifiedPerson",
    "NeedItem",
    "SourceRecord",
    "StationRegistration",
    "SupervisionStepRecord",
]


class SourceRecord(BaseModel):
    """Base of every parsed source record: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    #: ``system.kind``, e.g. ``station.follow_up``; the key of ``RECORD_KINDS``.
    kind: ClassVar[str]
    #: Name of the field that is this record's key in its source system.
    key_field: ClassVar[str]

    @property
    def source_key(self) -> str:
        """The record's key in its source system."""
        return str(getattr(self, self.key_field))


class IdentifiedPerson(SourceRecord):
    """Demographics every system keeps about a patient, each in its own spelling."""

    name: str | None = None
    sex: str | None = (
        None  # local code: hospital M/F, station 1/2 (GB/T 2261.1), agency male/female
    )
    birth_date: date | None = None
    resident_id: str | None = None  # 18-character GB 11643 number as typed in the source
    phone: str | None = None
    address: str | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    guardian_relation: str | None = None  # local code, mapped to v3 RoleCode


# --- the psychiatric hospital (HIS views and HL7 v2 ADT) -------------------------------


class HospitalPatient(IdentifiedPerson):
    """A row of the HIS patient view."""

    kind: ClassVar[str] = "hospital.patient"
    key_field: ClassVar[str] = "patient_id"

    patient_id: str
    ethnicity: str | None = None
    marital_status: str | None = None
    updated_at: datetime


class HospitalAdmission(SourceRecord):
    """A row of the HIS admission view: one inpatient stay."""

    kind: ClassVar[str] = "hospital.admission"
    key_field: ClassVar[str] = "admission_id"

    admission_id: str
    patient_id: str
    ward: str | None = None
    admitted_at: datetime
    discharged_at: datetime | None = None
    discharge_disposition: str | None = None  # local code: home, transfer, against advice, died
    attending_doctor_id: str | None = None
    attending_doctor_name: str | None = None
    treatment_effect: str | None = None  # national 1-4 at discharge
    dangerous_behaviour: bool | None = None  # dangerous behaviour during the stay
    long_acting_injection: bool | None = None
    recommended_rehabilitation: str | None = None
    updated_at: datetime


class HospitalDiagnosis(SourceRecord):
    """A row of the HIS diagnosis view."""

    kind: ClassVar[str] = "hospital.diagnosis"
    key_field: ClassVar[str] = "diagnosis_id"

    diagnosis_id: str
    patient_id: str
    admission_id: str | None = None
    icd10_code: str
    diagnosis_name: str | None = None
    diagnosis_type: str  # local code: admission, discharge, confirmed
    diagnosed_at: datetime
    onset_date: date | None = None
    doctor_id: str | None = None
    doctor_name: str | None = None
    updated_at: datetime


class HospitalMedicationOrder(SourceRecord):
    """A row of the HIS medication-order view."""

    kind: ClassVar[str] = "hospital.medication_order"
    key_field: ClassVar[str] = "order_id"

    order_id: str
    patient_id: str
    admission_id: str | None = None
    drug_code: str  # local formulary code, mapped through a ConceptMap to ATC
    drug_name: str | None = None
    dose: float | None = None
    dose_unit: str | None = None
    route: str | None = None  # local code: po, im
    frequency: str | None = None  # local code: qd, bid, tid, q2w, q4w
    long_acting: bool = False
    is_discharge_medication: bool = False
    status: str  # local code: active, stopped, completed
    ordered_at: datetime
    stopped_at: datetime | None = None
    prescriber_id: str | None = None
    prescriber_name: str | None = None
    updated_at: datetime


class HospitalScaleAssessment(SourceRecord):
    """A ward scale (BPRS or PANSS) with item scores and the total the ward recorded."""

    kind: ClassVar[str] = "hospital.scale_assessment"
    key_field: ClassVar[str] = "assessment_id"

    assessment_id: str
    patient_id: str
    admission_id: str | None = None
    scale: str  # BPRS | PANSS
    assessed_at: datetime
    items: dict[str, int]  # item number ("1".."30") -> score
    reported_total: int | None = None
    rater_id: str | None = None
    updated_at: datetime


class AdtEvent(IdentifiedPerson):
    """One HL7 v2 ADT message (A01 admit, A03 discharge, A08 update), parsed."""

    kind: ClassVar[str] = "hospital.adt"
    key_field: ClassVar[str] = "message_control_id"

    message_control_id: str  # MSH-10
    event_type: str  # A01 | A03 | A08
    event_time: datetime  # EVN-2 or MSH-7
    patient_id: str  # PID-3
    marital_status: str | None = None  # PID-16: GB/T 2261.2, as the HIS patient view
    ethnicity: str | None = None  # PID-22: GB 3304, as the HIS patient view
    visit_number: str | None = None  # PV1-19: the HIS admission_id
    patient_class: str | None = None  # PV1-2: I inpatient, E emergency, O outpatient
    ward: str | None = None  # PV1-3
    attending_doctor_id: str | None = None  # PV1-7
    attending_doctor_name: str | None = None
    admitted_at: datetime | None = None  # PV1-44
    discharged_at: datetime | None = None  # PV1-45
    discharge_disposition: str | None = None  # PV1-36
    diagnoses: tuple[str, ...] = ()  # DG1-3 ICD-10 codes


# --- the community rehabilitation station (national SMD system exports) ----------------


class StationRegistration(IdentifiedPerson):
    """患者基本信息: a patient registered for community management."""

    kind: ClassVar[str] = "station.registration"
    key_field: ClassVar[str] = "registration_no"

    registration_no: str
    diagnosis_code: str  # national 01-06
    confirmed_on: date | None = None
    confirming_hospital: str | None = None
    onset_date: date | None = None
    registered_on: date
    street_code: str  # sub-district (street / township) code below the district's GB/T 2260
    neighbourhood: str | None = None  # neighbourhood or village committee
    station_code: str  # managing primary-care facility
    station_name: str | None = None
    doctor_id: str | None = None  # prevention doctor
    doctor_name: str | None = None
    management_status: str  # local code: 在管 managed, 失访 lost, 死亡 deceased, 迁出 moved
    status_changed_on: date | None = None
    loss_reason: str | None = None  # national 1-5 when lost to follow-up
    consent_to_share: bool | None = None  # 知情同意 for sharing with the agency
    economic_status: str | None = None  # e.g. subsistence allowance (低保)


class FollowUpVisit(SourceRecord):
    """随访记录: one row of the national follow-up form."""

    kind: ClassVar[str] = "station.follow_up"
    key_field: ClassVar[str] = "visit_id"

    visit_id: str
    registration_no: str
    visit_date: date
    visit_type: str  # 1 clinic, 2 home visit, 3 phone
    person_seen: str | None = None  # 1 patient, 2 family, 3 other informant
    risk_level: int | None = None  # 0-5
    symptoms: tuple[int, ...] = ()  # ticked boxes among 1-12
    insight: str | None = None  # 1 full, 2 partial, 3 absent
    sleep: str | None = None  # 1 good, 2 fair, 3 poor
    diet: str | None = None
    self_care: str | None = None  # 个人生活料理
    housework: str | None = None  # 家务劳动
    work: str | None = None  # 生产劳动及工作 (9 not applicable)
    learning: str | None = None  # 学习能力
    social_interaction: str | None = None  # 社会人际交往
    minor_trouble: int = 0  # 轻度滋事
    trouble_making: int = 0  # 肇事
    serious_incident: int = 0  # 肇祸
    other_harm: int = 0
    self_harm: int = 0
    suicide_attempt: int = 0
    locking: str | None = None  # 1 none, 2 locked up, 3 released
    hospitalisation: str | None = None  # 0 none, 1 in hospital now, 2 was in hospital
    last_discharge_date: date | None = None
    adherence: str | None = None  # 1 regular, 2 intermittent, 3 not taking, 4 not needed
    adverse_reaction: bool | None = None
    treatment_effect: str | None = None  # 1-4
    referred: bool = False
    referral_reason: str | None = None
    referral_to: str | None = None
    medications: tuple[str, ...] = ()  # free text, one per drug: "利培酮 2mg bid"
    rehabilitation: tuple[str, ...] = ()  # rehabilitation measures ticked
    follow_up_class: str | None = None  # 1 unstable, 2 basically stable, 3 stable
    next_visit_date: date | None = None
    doctor_id: str | None = None
    doctor_name: str | None = None
    death_date: date | None = None
    death_cause: str | None = None


class EmergencyHandling(SourceRecord):
    """应急处置记录: emergency handling of a risk event."""

    kind: ClassVar[str] = "station.emergency"
    key_field: ClassVar[str] = "event_id"

    event_id: str
    registration_no: str
    occurred_at: datetime
    risk_level: int
    description: str | None = None
    measures: tuple[str, ...] = ()  # e.g. referred to hospital, police called
    police_involved: bool = False
    admitted: bool = False
    handled_by_id: str | None = None
    handled_by_name: str | None = None


class CareTeamMember(SourceRecord):
    """关爱帮扶小组 member for one patient."""

    kind: ClassVar[str] = "station.care_team_member"
    key_field: ClassVar[str] = "member_id"

    member_id: str
    registration_no: str
    # local code: prevention_doctor, psychiatrist, neighbourhood, grid, police, civil_affairs,
    # disability, volunteer, family
    role: str
    name: str
    phone: str | None = None
    organization: str | None = None
    since: date | None = None
    until: date | None = None


# --- the social-work agency (case-management REST API) ---------------------------------


class AgencyCase(IdentifiedPerson):
    """A case: one person under case management."""

    kind: ClassVar[str] = "agency.case"
    key_field: ClassVar[str] = "case_id"

    case_id: str
    client_id: str  # the agency's own person id
    referral_source: str | None = None  # station, hospital, family, self, other
    intake_date: date
    status: str  # open, on_hold, closed
    case_manager_id: str
    case_manager_name: str | None = None
    street_code: str | None = None
    consent_to_share: bool | None = None
    consent_date: date | None = None
    updated_at: datetime


class NeedItem(BaseModel):
    """One need identified at a needs assessment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domain: str  # NeedDomain
    maslow_level: int = Field(ge=1, le=5)
    description: str | None = None
    priority: str | None = None  # high, medium, low


class AgencyNeedsAssessment(SourceRecord):
    """A needs assessment of a case."""

    kind: ClassVar[str] = "agency.needs_assessment"
    key_field: ClassVar[str] = "assessment_id"

    assessment_id: str
    case_id: str
    client_id: str  # the agency person id, as on the case
    assessed_on: date
    assessor_id: str | None = None
    needs: tuple[NeedItem, ...] = ()
    updated_at: datetime


class AgencyScaleAssessment(SourceRecord):
    """A scale filled in for a case: SSRS, SDSS or family burden, with item answers."""

    kind: ClassVar[str] = "agency.scale"
    key_field: ClassVar[str] = "assessment_id"

    assessment_id: str
    case_id: str
    client_id: str  # the agency person id, as on the case
    scale: str  # SSRS | SDSS | FBS
    assessed_on: date
    assessor_id: str | None = None
    informant: str | None = None
    # item id -> answer. SSRS: "1".."4","8".."10" option 1-4; "5A".."5E" 1-4; "6","7" the
    # sources ticked as a list of ints (empty list = none). SDSS: "1".."10" 0,1,2 or 9.
    items: dict[str, int | list[int]]
    reported_total: int | None = None
    updated_at: datetime


class CarePlanGoal(BaseModel):
    """A goal of a care plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    goal_id: str
    need_domain: str | None = None
    description: str
    target_date: date | None = None
    status: str  # proposed, active, achieved, not_achieved, cancelled


class CarePlanReview(BaseModel):
    """A review of a care plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reviewed_on: date
    reviewer_id: str | None = None
    note: str | None = None


class AgencyCareplan(SourceRecord):
    """A social-work care plan: problems, goals, planned interventions, reviews."""

    kind: ClassVar[str] = "agency.care_plan"
    key_field: ClassVar[str] = "plan_id"

    plan_id: str
    case_id: str
    client_id: str  # the agency person id, as on the case
    status: str  # draft, active, on_hold, completed, revoked
    created_on: date
    period_start: date | None = None
    period_end: date | None = None
    problems: tuple[str, ...] = ()
    goals: tuple[CarePlanGoal, ...] = ()
    planned_interventions: tuple[str, ...] = ()  # InterventionKind values
    responsible_id: str | None = None
    reviews: tuple[CarePlanReview, ...] = ()
    updated_at: datetime


class AgencyContact(SourceRecord):
    """A contact with the person or family: home visit, office, phone, WeChat, group."""

    kind: ClassVar[str] = "agency.contact"
    key_field: ClassVar[str] = "contact_id"

    contact_id: str
    case_id: str
    client_id: str  # the agency person id, as on the case
    mode: str  # ContactMode value
    contact_at: datetime
    duration_minutes: int | None = None
    participants: tuple[str, ...] = ()  # client, family, station doctor, police, ...
    purpose: str | None = None
    notes: str | None = None
    worker_id: str | None = None
    plan_id: str | None = None  # the care plan whose activity this contact carried out
    updated_at: datetime


class AgencyIntervention(SourceRecord):
    """An intervention: counselling, family work, linking resources, group or crisis work."""

    kind: ClassVar[str] = "agency.intervention"
    key_field: ClassVar[str] = "intervention_id"

    intervention_id: str
    case_id: str
    client_id: str  # the agency person id, as on the case
    kind_code: str  # InterventionKind value
    performed_on: date
    description: str | None = None
    resource_linked: str | None = (
        None  # subsistence_allowance, medical_aid, guardianship_subsidy, disability_card
    )
    outcome: str | None = None  # requested, granted, refused, pending
    contact_id: str | None = None
    plan_id: str | None = None
    worker_id: str | None = None
    updated_at: datetime


class SupervisionStepRecord(BaseModel):
    """One of the five steps of a supervision review."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: str  # SupervisionStep value
    done_on: date | None = None
    note: str | None = None


class AgencySupervision(SourceRecord):
    """A case-supervision review following the five steps."""

    kind: ClassVar[str] = "agency.supervision"
    key_field: ClassVar[str] = "supervision_id"

    supervision_id: str
    case_id: str
    client_id: str  # the agency person id, as on the case
    supervisor_id: str
    supervisor_name: str | None = None
    started_on: date
    status: str  # in_progress, completed
    steps: tuple[SupervisionStepRecord, ...] = ()
    updated_at: datetime


class AgencyClosure(SourceRecord):
    """Closure of a case with its evaluation."""

    kind: ClassVar[str] = "agency.closure"
    key_field: ClassVar[str] = "closure_id"

    closure_id: str
    case_id: str
    client_id: str  # the agency person id, as on the case
    closed_on: date
    reason: str  # goals_met, moved, deceased, refused, transferred
    evaluation: str | None = None
    goals_achieved: int | None = None
    goals_total: int | None = None
    updated_at: datetime


#: Every record kind by name. Raises ``KeyError`` on an unknown kind: no import magic.
RECORD_KINDS: dict[str, type[SourceRecord]] = {
    model.kind: model
    for model in (
        HospitalPatient,
        HospitalAdmission,
        HospitalDiagnosis,
        HospitalMedicationOrder,
        HospitalScaleAssessment,
        AdtEvent,
        StationRegistration,
        FollowUpVisit,
        EmergencyHandling,
        CareTeamMember,
        AgencyCase,
        AgencyNeedsAssessment,
        AgencyScaleAssessment,
        AgencyCareplan,
        AgencyContact,
        AgencyIntervention,
        AgencySupervision,
        AgencyClosure,
    )
}
