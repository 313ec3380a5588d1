"""The district indicators of DOMAIN.md, each defined once: numerator, denominator, source rule.

A definition is a pair of SQL boolean expressions over one fact table (``person_period``:
one row per person and period; ``discharge_period``: one row per discharge dated in the
period). Counting is done once for all of them in :func:`count_indicators`.

Where DOMAIN.md and the simulator's README differ, DOMAIN.md wins: the stable rate's
denominator is the managed patients *with a classification at their last follow-up* (the
simulator uses all managed; equal whenever every follow-up carries a class). Where
DOMAIN.md is silent the simulator's precise reading is used: a lost-to-follow-up patient
stays registered, death or moving out ends it; "at least 4 a year" applies to year periods
for patients registered the whole year; "every quarter" counts only quarters the patient
was registered throughout; "within N days" of a discharge means 1..N days after its date.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from hub.config import FollowUpRules
from hub.stats.facts import build_facts
from hub.stats.periods import Period

__all__ = [
    "CATEGORY_COUNTS",
    "INDICATORS",
    "Indicator",
    "compute",
    "count_categories",
    "count_indicators",
]


@dataclass(frozen=True)
class Indicator:
    """One indicator: what is counted over which rows, and the rule in words."""

    name: str
    title: str
    facts: str  # person_period | discharge_period
    numerator: str
    denominator: str
    rule: str


_MANAGED = "registered AND visits > 0"

INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator(
            "management_rate",
            "Management rate",
            "person_period",
            _MANAGED,
            "registered",
            "registered patients with at least one follow-up in the period / registered",
        ),
        Indicator(
            "standardised_management_rate",
            "Standardised management rate",
            "person_period",
            f"{_MANAGED} AND bad_gaps = 0 AND NOT (kind = 'year' AND registered_throughout"
            " AND visits < {min_per_year})",
            "registered",
            "managed, every follow-up within the interval its predecessor's class allows "
            "(from a discharge in between: the discharge follow-up limit), and at least "
            "min_per_year follow-ups in a year registered throughout / registered",
        ),
        Indicator(
            "medication_rate",
            "Medication rate",
            "person_period",
            "registered AND medicated_visits > 0",
            "registered",
            "a follow-up with adherence regular or intermittent, or in hospital now / registered",
        ),
        Indicator(
            "regular_medication_rate",
            "Regular medication rate",
            "person_period",
            "registered AND irregular_visits = 0 AND regular_visits > 0 AND missing_pieces = 0",
            "registered",
            "no intermittent or not-taking follow-up; a regular (or in-hospital) follow-up in "
            "every quarter piece registered throughout / registered",
        ),
        Indicator(
            "face_to_face_rate",
            "Face-to-face follow-up rate",
            "person_period",
            "registered AND face_visits > 0",
            "registered",
            "a clinic or home-visit follow-up in the period / registered",
        ),
        Indicator(
            "stable_rate",
            "Stable rate",
            "person_period",
            f"{_MANAGED} AND last_cls = 3",
            f"{_MANAGED} AND last_cls IS NOT NULL",
            "classed stable at the last follow-up in the period / managed with a class there",
        ),
        Indicator(
            "discharge_follow_up_14d",
            "Follow-up within N days of discharge",
            "discharge_period",
            "registered_at_discharge AND followed_up",
            "registered_at_discharge",
            "discharges followed by a follow-up 1..discharge_follow_up_days days later / "
            "discharges of patients registered at the discharge date",
        ),
        Indicator(
            "readmission_30d",
            "Readmission within 30 days",
            "discharge_period",
            "readmitted",
            "TRUE",
            "discharges followed by an admission 1..readmission_days days later / discharges",
        ),
    )
}

#: Counts by category (not rates): registered by diagnosis, managed by last risk level.
CATEGORY_COUNTS: dict[str, tuple[str, str]] = {
    "registered_by_diagnosis": ("registered", "coalesce(diagnosis, 'unknown')"),
    "managed_by_risk_level": (_MANAGED, "coalesce(CAST(last_risk AS VARCHAR), 'unknown')"),
}


def count_indicators(
    connection: duckdb.DuckDBPyConnection, district: str, rules: FollowUpRules
) -> pa.Table:
    """Numerator and denominator of every indicator per period and street, plus the district."""
    parts = []
    for ind in INDICATORS.values():
        num = ind.numerator.format(min_per_year=rules.min_per_year)
        den = ind.denominator.format(min_per_year=rules.min_per_year)
        parts.append(
            f"SELECT kind AS period_kind, label AS period,"
            f" CASE WHEN GROUPING(street) = 1 THEN '{district}' ELSE street END AS area,"
            f" '{ind.name}' AS indicator,"
            f" count(*) FILTER (WHERE ({den}) AND ({num})) AS numerator,"
            f" count(*) FILTER (WHERE {den}) AS denominator"
            f" FROM {ind.facts} GROUP BY GROUPING SETS ((kind, label, street), (kind, label))"
        )
    names = ", ".join(f"('{name}')" for name in INDICATORS)
    # Every period x area x indicator appears, with 0 / 0 where nothing was counted.
    sql = (
        f"WITH counts AS ({' UNION ALL '.join(parts)}),"
        f" areas AS (SELECT DISTINCT street AS area FROM person WHERE street IS NOT NULL"
        f" UNION SELECT '{district}'),"
        f" grid AS (SELECT p.kind AS period_kind, p.label AS period, a.area, i.indicator"
        f" FROM period p CROSS JOIN areas a CROSS JOIN (VALUES {names}) i(indicator))"
        f" SELECT g.period_kind, g.period, g.area, g.indicator,"
        f" coalesce(c.numerator, 0) AS numerator, coalesce(c.denominator, 0) AS denominator"
        f" FROM grid g LEFT JOIN counts c ON c.period = g.period AND c.area = g.area"
        f" AND c.indicator = g.indicator ORDER BY g.period, g.area, g.indicator"
    )
    return connection.sql(sql).to_arrow_table()


def count_categories(connection: duckdb.DuckDBPyConnection, district: str) -> pa.Table:
    """Patients per category (diagnosis, risk level) per period and street, plus the district."""
    parts = [
        f"SELECT kind AS period_kind, label AS period,"
        f" CASE WHEN GROUPING(street) = 1 THEN '{district}' ELSE street END AS area,"
        f" '{name}' AS breakdown, {category} AS category, count(*) AS patients"
        f" FROM person_period WHERE {where}"
        f" GROUP BY GROUPING SETS ((kind, label, street, {category}), (kind, label, {category}))"
        for name, (where, category) in CATEGORY_COUNTS.items()
    ]
    sql = " UNION ALL ".join(parts) + " ORDER BY period, breakdown, area, category"
    return connection.sql(sql).to_arrow_table()


def compute(
    connection: duckdb.DuckDBPyConnection,
    periods: list[Period],
    rules: FollowUpRules,
    district: str,
) -> tuple[pa.Table, pa.Table]:
    """Indicators and category counts from the flattened views already in `connection`."""
    build_facts(connection, periods, rules)
    return count_indicators(connection, district, rules), count_categories(connection, district)
