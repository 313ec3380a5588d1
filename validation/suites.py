"""Raw-extract expectation suites, declared per record kind (versioned with ``SUITE_VERSION``).

A suite says, in the source's own codes, what a usable record of one kind looks like. It is
turned into a Great Expectations suite by ``validation.raw``; each declared rule becomes one
expectation whose check id is ``<kind>.<field>.<rule>`` (the rule's catalogue entry gives
its category, severity and tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.domain.codes import ContactMode, InterventionKind

__all__ = ["DATE_MAX", "DATE_MIN", "SUITES", "SUITE_VERSION", "KindSuite"]

#: Bump when a rule changes: reports name the suite version they were produced with.
SUITE_VERSION = "1.0.0"
#: Dates outside these bounds are typing errors, never real births or events.
DATE_MIN, DATE_MAX = "1900-01-01", "2100-01-01"

_SCORE_1_3 = ("1", "2", "3")
_FUNCTION = ("1", "2", "3", "9")


@dataclass(frozen=True)
class KindSuite:
    """The declared rules for one record kind."""

    kind: str
    key: str
    required: tuple[str, ...] = ()
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    code_patterns: dict[str, str] = field(default_factory=dict)  # field -> regex
    code_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tuple fields
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    dates: tuple[str, ...] = ()
    order: tuple[tuple[str, str], ...] = ()  # (earlier, later)
    text: tuple[str, ...] = ()  # free text checked for encoding damage
    person: bool = False  # carries a resident ID
    scale: bool = False  # carries scale items and a reported total

    @property
    def columns(self) -> tuple[str, ...]:
        """Every source field the suite reads (the extract must have them all)."""
        named = [self.key, *self.required, *self.codes, *self.code_patterns, *self.code_lists]
        named += [*self.ranges, *self.dates, *(f for pair in self.order for f in pair)]
        named += [*self.text, *(("resident_id",) if self.person else ())]
        return tuple(dict.fromkeys(named))


_PERSON_TEXT = ("name", "address", "guardian_name")
_MANAGEMENT_STATUS = ("在管", "managed", "失访", "lost", "死亡", "deceased", "迁出", "moved")
_CARE_TEAM_ROLES = (
    *("prevention_doctor", "psychiatrist", "neighbourhood", "grid", "police"),
    *("civil_affairs", "disability", "volunteer", "family", "social_worker"),
    # as the station's export writes them
    *("精防医生", "精神科医生", "居委会", "网格员", "民警", "民政专干", "残疾人专职委员"),
    *("志愿者", "家属"),
)
_DISPOSITIONS = (
    *("home", "transfer", "against_advice", "against advice"),
    *("died", "psychiatric", "rehabilitation", "other"),
    *("1", "2", "3", "4", "5"),  # the HIS view's numbered discharge ways
)

SUITES: dict[str, KindSuite] = {
    s.kind: s
    for s in (
        KindSuite(
            "station.registration",
            "registration_no",
            required=("diagnosis_code", "street_code", "station_code", "management_status"),
            codes={
                "diagnosis_code": ("01", "02", "03", "04", "05", "06"),
                "sex": ("0", "1", "2", "9"),
                "management_status": _MANAGEMENT_STATUS,
                "loss_reason": ("1", "2", "3", "4", "5"),
            },
            dates=("registered_on", "confirmed_on", "onset_date", "birth_date"),
            text=_PERSON_TEXT,
            person=True,
        ),
        KindSuite(
            "station.follow_up",
            "visit_id",
            required=("registration_no", "visit_type"),
            codes={
                "visit_type": ("1", "2", "3"),
                "person_seen": _SCORE_1_3,
                "insight": _SCORE_1_3,
                "sleep": _SCORE_1_3,
                "diet": _SCORE_1_3,
                "self_care": _SCORE_1_3,
                "housework": _SCORE_1_3,
                "work": _FUNCTION,
                "learning": _SCORE_1_3,
                "social_interaction": _SCORE_1_3,
                "locking": _SCORE_1_3,
                "hospitalisation": ("0", "1", "2"),
                "adherence": ("1", "2", "3", "4"),
                "treatment_effect": ("1", "2", "3", "4"),
                "follow_up_class": _SCORE_1_3,
            },
            code_lists={"symptoms": tuple(str(i) for i in range(1, 13))},
            ranges={
                "risk_level": (0, 5),
                "minor_trouble": (0, 999),
                "trouble_making": (0, 999),
                "serious_incident": (0, 999),
                "self_harm": (0, 999),
                "suicide_attempt": (0, 999),
            },
            dates=("visit_date", "next_visit_date", "death_date", "last_discharge_date"),
            text=("doctor_name",),
        ),
        KindSuite(
            "station.emergency",
            "event_id",
            required=("registration_no",),
            code_lists={"measures": ("1", "2", "3", "4", "5")},
            ranges={"risk_level": (0, 5)},
            dates=("occurred_at",),
            text=("description",),
        ),
        KindSuite(
            "station.care_team_member",
            "member_id",
            required=("registration_no", "role", "name"),
            codes={
                "role": _CARE_TEAM_ROLES,
            },
            dates=("since", "until"),
            order=(("since", "until"),),
            text=("name",),
        ),
        KindSuite(
            "hospital.patient",
            "patient_id",
            required=("name",),
            codes={"sex": ("M", "F", "U")},
            dates=("birth_date",),
            text=_PERSON_TEXT,
            person=True,
        ),
        KindSuite(
            "hospital.admission",
            "admission_id",
            required=("patient_id",),
            codes={
                "treatment_effect": ("1", "2", "3", "4"),
                "discharge_disposition": _DISPOSITIONS,
            },
            dates=("admitted_at", "discharged_at"),
            order=(("admitted_at", "discharged_at"),),
            text=("recommended_rehabilitation", "attending_doctor_name"),
        ),
        KindSuite(
            "hospital.diagnosis",
            "diagnosis_id",
            required=("patient_id", "icd10_code", "diagnosis_type"),
            codes={"diagnosis_type": ("admission", "discharge", "confirmed", "1", "2", "3")},
            code_patterns={"icd10_code": r"^[A-Z]\d{2}(?:\.\d{1,3})?$"},
            dates=("diagnosed_at", "onset_date"),
            text=("diagnosis_name",),
        ),
        KindSuite(
            "hospital.medication_order",
            "order_id",
            required=("patient_id", "drug_code", "status"),
            codes={
                "status": ("active", "stopped", "completed"),
                "route": ("po", "im", "iv"),
            },
            code_patterns={"drug_code": r"^YP0\d{2,3}$"},
            ranges={"dose": (0.0001, 100000)},
            dates=("ordered_at", "stopped_at"),
            order=(("ordered_at", "stopped_at"),),
            text=("drug_name",),
        ),
        KindSuite(
            "hospital.scale_assessment",
            "assessment_id",
            required=("patient_id", "scale"),
            codes={"scale": ("BPRS", "PANSS")},
            dates=("assessed_at",),
            scale=True,
        ),
        KindSuite(
            "hospital.adt",
            "message_control_id",
            required=("patient_id", "event_type"),
            codes={"event_type": ("A01", "A03", "A08"), "patient_class": ("I", "E", "O")},
            dates=("event_time", "admitted_at", "discharged_at", "birth_date"),
            order=(("admitted_at", "discharged_at"),),
            text=("name",),
            person=True,
        ),
        KindSuite(
            "agency.case",
            "case_id",
            required=("client_id", "case_manager_id", "status"),
            codes={
                "status": ("open", "on_hold", "closed"),
                "sex": ("male", "female", "unknown"),
                "referral_source": ("station", "hospital", "family", "self", "other"),
            },
            dates=("intake_date", "birth_date", "consent_date"),
            text=_PERSON_TEXT,
            person=True,
        ),
        KindSuite(
            "agency.needs_assessment",
            "assessment_id",
            required=("case_id", "client_id"),
            dates=("assessed_on",),
        ),
        KindSuite(
            "agency.scale",
            "assessment_id",
            required=("case_id", "client_id", "scale"),
            codes={"scale": ("SSRS", "SDSS", "FBS")},
            dates=("assessed_on",),
            scale=True,
        ),
        KindSuite(
            "agency.care_plan",
            "plan_id",
            required=("case_id", "client_id", "status"),
            codes={"status": ("draft", "active", "on_hold", "completed", "revoked")},
            dates=("created_on", "period_start", "period_end"),
            order=(("period_start", "period_end"),),
        ),
        KindSuite(
            "agency.contact",
            "contact_id",
            required=("case_id", "client_id", "mode"),
            codes={"mode": tuple(m.value for m in ContactMode)},
            ranges={"duration_minutes": (0, 24 * 60)},
            dates=("contact_at",),
            text=("notes", "purpose"),
        ),
        KindSuite(
            "agency.intervention",
            "intervention_id",
            required=("case_id", "client_id", "kind_code"),
            codes={
                "kind_code": tuple(k.value for k in InterventionKind),
                "outcome": ("requested", "pending", "granted", "refused"),
            },
            dates=("performed_on",),
        ),
        KindSuite(
            "agency.supervision",
            "supervision_id",
            required=("case_id", "client_id", "supervisor_id", "status"),
            codes={"status": ("in_progress", "completed")},
            dates=("started_on",),
        ),
        KindSuite(
            "agency.closure",
            "closure_id",
            required=("case_id", "client_id", "reason"),
            codes={"reason": ("goals_met", "moved", "deceased", "refused", "transferred")},
            ranges={"goals_achieved": (0, 50), "goals_total": (0, 50)},
            dates=("closed_on",),
            order=(("goals_achieved", "goals_total"),),
        ),
    )
}
