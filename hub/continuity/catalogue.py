"""The catalogue of continuity rules: id, titles, our description, the specification's source.

An explicit registry (a tuple, looked up by id) rather than discovery, so that the worklist,
the API and the command all list the same rules in the same order.
"""

from __future__ import annotations

from datetime import date

from hub.continuity.facts import PersonFacts
from hub.continuity.rules import (
    ContinuityOptions,
    Finding,
    Rule,
    case_plan_missing,
    discharge_follow_up,
    follow_up_overdue,
    high_risk_response,
    lost_to_follow_up,
    medication_non_adherence,
    readmission_review,
)

__all__ = ["RULES", "evaluate", "rule_by_id"]

_SPEC = "Severe Mental Disorder Management and Treatment Work Specification (2018)"

RULES: tuple[Rule, ...] = (
    Rule(
        "discharge-follow-up",
        ("出院后14天内未社区随访", "No community follow-up after discharge"),
        "A patient discharged from the psychiatric hospital has not been seen by the community "
        "station within the configured days (14) and has not been readmitted.",
        f"{_SPEC}; indicator 'discharge follow-up' (DOMAIN.md, Indicators)",
        "station",
        discharge_follow_up,
    ),
    Rule(
        "follow-up-overdue",
        ("随访逾期", "Follow-up overdue"),
        "The next follow-up is later than the stability class set at the last one allows "
        "(unstable 2 weeks; basically stable 2 weeks, then 1 month; stable 3 months).",
        f"{_SPEC}; follow-up classification and intervals",
        "station",
        follow_up_overdue,
    ),
    Rule(
        "high-risk-response",
        ("高风险未处置", "Risk level 3+ without response"),
        "A risk level of 3 or more was assessed and no admission, emergency handling or further "
        "follow-up happened within 2 weeks (a referral alone does not answer it).",
        f"{_SPEC}; risk assessment, class 'unstable' (treat, refer at once, follow up in 2 weeks)",
        "station",
        high_risk_response,
    ),
    Rule(
        "case-plan-missing",
        ("个案无有效服务计划", "Open case without an active care plan"),
        "A social-work case is open but no care plan is active (never written, or expired) "
        "after the agreed days.",
        "Agency case-management model (DOMAIN.md: social-work agency's data, care plan)",
        "agency",
        case_plan_missing,
    ),
    Rule(
        "medication-non-adherence",
        ("连续两次随访服药不规律", "Non-adherence at two follow-ups"),
        "Medication was intermittent or not taken at two follow-ups in a row.",
        f"{_SPEC}; follow-up form item 'medication adherence', 'regularly medicated'",
        "station",
        medication_non_adherence,
    ),
    Rule(
        "readmission-review",
        ("30天内再入院", "Readmission within 30 days"),
        "The patient was admitted again within the configured days (30) of a discharge; the "
        "hospital reviews the discharge plan.",
        f"{_SPEC}; indicator '30-day readmission' (DOMAIN.md, Indicators)",
        "hospital",
        readmission_review,
    ),
    Rule(
        "lost-to-follow-up",
        ("失访", "Lost to follow-up"),
        "No contact for three follow-up intervals in a row, or the station recorded the "
        "patient as lost; the station tries to find the patient.",
        f"{_SPEC}; loss to follow-up reason 4 (three visits in a row without contact)",
        "station",
        lost_to_follow_up,
    ),
)


def rule_by_id(rule_id: str) -> Rule:
    """The rule with that id; KeyError names the known ones."""
    for rule in RULES:
        if rule.id == rule_id:
            return rule
    raise KeyError(f"unknown continuity rule {rule_id!r}; known: {', '.join(r.id for r in RULES)}")


def evaluate(facts: PersonFacts, as_of: date, options: ContinuityOptions) -> list[Finding]:
    """Every rule's findings for one person, as of a day."""
    return [f for rule in RULES for f in rule.evaluate(facts, as_of, options)]
