"""The national enumerations of the SMD information system and our canonical URIs.

Codes are the national system's (Severe Mental Disorder Management and Treatment Work
Specification, 2018). Labels are given in English and Chinese, the UI picks one.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

__all__ = [
    "CANONICAL_BASE",
    "Adherence",
    "ContactMode",
    "Diagnosis",
    "FollowUpClass",
    "FollowUpType",
    "FunctionRating",
    "Insight",
    "InterventionKind",
    "LossToFollowUpReason",
    "ManagementStatus",
    "NeedDomain",
    "PersonSeen",
    "RiskLevel",
    "SourceSystem",
    "SupervisionStep",
    "TreatmentEffect",
    "code_system_url",
    "extension_url",
    "identifier_system",
]

#: Canonical base for every CodeSystem, ValueSet, Questionnaire, ConceptMap the hub defines.
CANONICAL_BASE = "https://carehub.org/fhir"


def code_system_url(name: str) -> str:
    """Canonical URL of one of our CodeSystems, e.g. ``smd-diagnosis``."""
    return f"{CANONICAL_BASE}/CodeSystem/{name}"


def extension_url(name: str) -> str:
    """Canonical URL of one of our extensions (``hub.extensions`` defines each)."""
    return f"{CANONICAL_BASE}/StructureDefinition/{name}"


def identifier_system(name: str) -> str:
    """Identifier.system URI for a namespace of ours, e.g. ``hospital-patient``."""
    return f"{CANONICAL_BASE}/sid/{name}"


class SourceSystem(StrEnum):
    """The three systems of a district the hub pulls from."""

    HOSPITAL = "hospital"
    STATION = "station"
    AGENCY = "agency"


class Diagnosis(StrEnum):
    """The six severe mental disorders of the national system (codes 01-06)."""

    SCHIZOPHRENIA = "01"
    SCHIZOAFFECTIVE = "02"
    DELUSIONAL = "03"
    BIPOLAR = "04"
    EPILEPSY_MENTAL = "05"
    INTELLECTUAL_DISABILITY_MENTAL = "06"


class RiskLevel(IntEnum):
    """危险性评估 0-5 (see DOMAIN.md for the behaviour of each level)."""

    NONE = 0
    VERBAL = 1
    SMASHING_AT_HOME = 2
    SMASHING_ANYWHERE = 3
    PERSISTENT_VIOLENCE = 4
    ARMED_VIOLENCE = 5


class FollowUpClass(IntEnum):
    """本次随访分类: the classification decided at a follow-up."""

    UNSTABLE = 1
    BASICALLY_STABLE = 2
    STABLE = 3


class FollowUpType(IntEnum):
    """随访方式."""

    CLINIC = 1
    HOME_VISIT = 2
    PHONE = 3


class PersonSeen(IntEnum):
    """随访对象."""

    PATIENT = 1
    FAMILY = 2
    OTHER_INFORMANT = 3


class Insight(IntEnum):
    """自知力."""

    FULL = 1
    PARTIAL = 2
    ABSENT = 3


class FunctionRating(IntEnum):
    """Sleep, diet and social-function items: 1 good, 2 fair, 3 poor, 9 not applicable."""

    GOOD = 1
    FAIR = 2
    POOR = 3
    NOT_APPLICABLE = 9


class Adherence(IntEnum):
    """服药依从性."""

    REGULAR = 1
    INTERMITTENT = 2
    NOT_TAKING = 3
    NOT_NEEDED = 4


class TreatmentEffect(IntEnum):
    """治疗效果."""

    CURED = 1
    IMPROVED = 2
    UNCHANGED = 3
    WORSE = 4


class LossToFollowUpReason(IntEnum):
    """失访原因."""

    MIGRANT_WORK = 1
    MOVED = 2
    MISSING = 3
    THREE_MISSED_CONTACTS = 4
    OTHER = 5


class ManagementStatus(StrEnum):
    """管理状态 of a registered patient in the community."""

    MANAGED = "managed"
    LOST_TO_FOLLOW_UP = "lost"
    DECEASED = "deceased"
    MOVED_AWAY = "moved"


class ContactMode(StrEnum):
    """How a social worker or prevention doctor was in contact with the person."""

    CLINIC = "clinic"
    OFFICE = "office"
    HOME_VISIT = "home_visit"
    PHONE = "phone"
    SMS = "sms"
    WECHAT = "wechat"
    GROUP_ACTIVITY = "group_activity"


class InterventionKind(StrEnum):
    """Social-work interventions."""

    COUNSELLING = "counselling"
    FAMILY_WORK = "family_work"
    LINKING_RESOURCES = "linking_resources"
    GROUP_WORK = "group_work"
    CRISIS_WORK = "crisis_work"


class NeedDomain(StrEnum):
    """Domains of the social-work needs assessment."""

    HOUSING = "housing"
    INCOME = "income"
    EMPLOYMENT = "employment"
    FAMILY_RELATIONS = "family_relations"
    DAILY_LIVING = "daily_living"
    MEDICATION_MANAGEMENT = "medication_management"
    SOCIAL_PARTICIPATION = "social_participation"


class SupervisionStep(StrEnum):
    """The five steps of a case-supervision review, in order."""

    COLLECT_INFORMATION = "collect_information"
    ANALYSE_AND_DIAGNOSE = "analyse_and_diagnose"
    PLAN = "plan"
    SUPERVISE_IMPLEMENTATION = "supervise_implementation"
    FEEDBACK_AND_EVALUATION = "feedback_and_evaluation"
