"""Raw-extract expectation suites, declared per record kind (versioned with ``SUITE_VERSION``).

A suite says, in the source's own codes, what a usable record of one kind looks like. It is
turned into a Great Expectations suite by ``validation.raw``; each declared rule is checked
under the check id ``<kind>.<field>.<rule>`` (the rule's catalogue entry gives its category,
severity and tolerance).

A coded field names the terminology tables the mapping reads it through (``Tables``: our
CodeSystems, and the source codes of our ConceptMaps) rather than listing codes by hand, so
the raw check accepts exactly what the mapping can translate. The tables are data shipped
with the mappings; this package may not import them, so the hub hands them in
(``CodeTables``) and ``resolve`` turns the declarations into code lists. Only fields no
table covers (HL7 trigger events, national enumerations with no table) list codes here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

__all__ = [
    "DATE_MAX",
    "DATE_MIN",
    "SUITES",
    "SUITE_VERSION",
    "CodeTables",
    "KindSuite",
    "Tables",
    "resolve",
]

#: Bump when a rule changes: reports name the suite version they were produced with.
SUITE_VERSION = "1.1.0"
#: Terminology tables by name ("CodeSystem/<name>" or "ConceptMap/<name>") -> source codes.
CodeTables = Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Tables:
    """The codes every named table holds: a code must get through each one the mapping reads."""

    names: tuple[str, ...]

    def __and__(self, other: Tables) -> Tables:
        """Both tables' codes (a field the mapping reads through two tables)."""
        return Tables((*self.names, *other.names))

    def codes(self, tables: CodeTables) -> tuple[str, ...]:
        """The accepted codes, sorted; an unknown table name raises KeyError."""
        found = [tables[name] for name in self.names]
        return tuple(sorted(frozenset.intersection(*found)))


def _cs(*names: str) -> Tables:
    return Tables(tuple(f"CodeSystem/{n}" for n in names))


def _cm(*names: str) -> Tables:
    return Tables(tuple(f"ConceptMap/{n}" for n in names))


Codes = tuple[str, ...] | Tables
#: Dates outside these bounds are typing errors, never real births or events.
DATE_MIN, DATE_MAX = "1900-01-01", "2100-01-01"


@dataclass(frozen=True)
class KindSuite:
    """The declared rules for one record kind."""

    kind: str
    key: str
    required: tuple[str, ...] = ()
    codes: dict[str, Codes] = field(default_factory=dict)
    code_patterns: dict[str, str] = field(default_factory=dict)  # field -> regex
    code_lists: dict[str, Codes] = field(default_factory=dict)  # list fields
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
#: The follow-up form's rated items (sleep, diet and the five social-function items).
_FUNCTION_ITEMS = (
    *("sleep", "diet", "self_care", "housework", "work", "learning", "social_interaction"),
)

SUITES: dict[str, KindSuite] = {
    s.kind: s
    for s in (
        KindSuite(
            "station.registration",
            "registration_no",
            required=("diagnosis_code", "street_code", "station_code", "management_status"),
            codes={
                "diagnosis_code": _cs("smd-diagnosis") & _cm("smd-diagnosis-icd10"),
                "sex": _cm("station-sex"),
                "management_status": _cm(
                    "station-management-status", "station-management-status-code"
                ),
                "loss_reason": _cs("smd-loss-reason"),
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
                "visit_type": _cs("smd-follow-up-type") & _cm("station-follow-up-type-class"),
                "person_seen": _cs("smd-person-seen"),
                "insight": _cs("smd-insight"),
                **dict.fromkeys(_FUNCTION_ITEMS, _cs("smd-function-rating")),
                "locking": _cs("smd-locking"),
                "hospitalisation": _cs("smd-hospitalisation"),
                "adherence": _cs("smd-adherence"),
                "treatment_effect": _cs("smd-treatment-effect"),
                "follow_up_class": _cs("smd-follow-up-class"),
            },
            code_lists={"symptoms": _cs("smd-symptom")},
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
            code_lists={"measures": _cs("emergency-measure-taken")},
            ranges={"risk_level": (0, 5)},
            dates=("occurred_at",),
            text=("description",),
        ),
        KindSuite(
            "station.care_team_member",
            "member_id",
            required=("registration_no", "role", "name"),
            codes={"role": _cm("station-care-team-role")},
            dates=("since", "until"),
            order=(("since", "until"),),
            text=("name",),
        ),
        KindSuite(
            "hospital.patient",
            "patient_id",
            required=("name",),
            codes={"sex": _cm("hospital-sex")},
            dates=("birth_date",),
            text=_PERSON_TEXT,
            person=True,
        ),
        KindSuite(
            "hospital.admission",
            "admission_id",
            required=("patient_id",),
            codes={
                "treatment_effect": _cs("smd-treatment-effect"),
                "discharge_disposition": _cm("hospital-discharge-disposition"),
            },
            dates=("admitted_at", "discharged_at"),
            order=(("admitted_at", "discharged_at"),),
            text=("recommended_rehabilitation", "attending_doctor_name"),
        ),
        KindSuite(
            "hospital.diagnosis",
            "diagnosis_id",
            required=("patient_id", "icd10_code", "diagnosis_type"),
            codes={"diagnosis_type": _cm("hospital-diagnosis-type", "hospital-diagnosis-role")},
            code_patterns={"icd10_code": r"^[A-Z]\d{2}(?:\.\d{1,3})?$"},
            dates=("diagnosed_at", "onset_date"),
            text=("diagnosis_name",),
        ),
        KindSuite(
            "hospital.medication_order",
            "order_id",
            required=("patient_id", "drug_code", "status"),
            codes={
                "status": _cm("hospital-order-status"),
                "route": _cm("hospital-route"),
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
            codes={"scale": _cs("scale")},
            dates=("assessed_at",),
            scale=True,
        ),
        KindSuite(
            "hospital.adt",
            "message_control_id",
            required=("patient_id", "event_type"),
            # Trigger events the ADT connector reads; no table maps them.
            codes={"event_type": ("A01", "A03", "A08"), "patient_class": _cm("adt-patient-class")},
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
                "status": _cm("agency-case-status"),
                "sex": _cm("agency-sex"),
                "referral_source": _cs("referral-source"),
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
            codes={"scale": _cs("scale")},
            dates=("assessed_on",),
            scale=True,
        ),
        KindSuite(
            "agency.care_plan",
            "plan_id",
            required=("case_id", "client_id", "status"),
            codes={"status": _cm("agency-care-plan-status")},
            dates=("created_on", "period_start", "period_end"),
            order=(("period_start", "period_end"),),
        ),
        KindSuite(
            "agency.contact",
            "contact_id",
            required=("case_id", "client_id", "mode"),
            codes={"mode": _cs("contact-mode") & _cm("contact-mode-class")},
            ranges={"duration_minutes": (0, 24 * 60)},
            dates=("contact_at",),
            text=("notes", "purpose"),
        ),
        KindSuite(
            "agency.intervention",
            "intervention_id",
            required=("case_id", "client_id", "kind_code"),
            codes={
                "kind_code": _cs("social-work-intervention"),
                "outcome": _cm("agency-intervention-outcome"),
            },
            dates=("performed_on",),
        ),
        KindSuite(
            "agency.supervision",
            "supervision_id",
            required=("case_id", "client_id", "supervisor_id", "status"),
            codes={"status": _cm("agency-supervision-status")},
            dates=("started_on",),
        ),
        KindSuite(
            "agency.closure",
            "closure_id",
            required=("case_id", "client_id", "reason"),
            codes={"reason": _cs("closure-reason")},
            ranges={"goals_achieved": (0, 50), "goals_total": (0, 50)},
            dates=("closed_on",),
            order=(("goals_achieved", "goals_total"),),
        ),
    )
}


def _codes(codes: Codes, tables: CodeTables) -> tuple[str, ...]:
    return codes.codes(tables) if isinstance(codes, Tables) else codes


def resolve(suite: KindSuite, tables: CodeTables) -> KindSuite:
    """The suite with every table declaration replaced by the codes the tables hold."""
    return replace(
        suite,
        codes={f: _codes(c, tables) for f, c in suite.codes.items()},
        code_lists={f: _codes(c, tables) for f, c in suite.code_lists.items()},
    )
