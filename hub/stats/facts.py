"""From the flattened views to one row per person and period (and per discharge), in SQL.

Every indicator reads these two fact tables; the rules that need configuration take the
Settings.follow_up intervals (FollowUpRules), never constants. Day arithmetic is on dates
(the first ten characters of a FHIR date or dateTime, i.e. the local calendar day).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from hub.config import FollowUpRules
from hub.stats.periods import Period

__all__ = ["build_base", "build_facts", "build_periods"]

_PERSONS = """
CREATE OR REPLACE TABLE patient_person AS
SELECT patient_id, coalesce(golden_id, resident_id, patient_id) AS person_key, sub_district
FROM smd_patient;

-- One person per community registration; street from the registering station's Patient.
CREATE OR REPLACE TABLE person AS
SELECT pp.person_key,
       any_value(pp.sub_district) AS street,
       min(CAST(left(r.registered_on, 10) AS DATE)) AS registered_on,
       min(CASE WHEN r.management_status IN ('deceased', 'moved')
                THEN CAST(left(r.ended_on, 10) AS DATE) END) AS gone_on,
       any_value(d.diagnosis) AS diagnosis
FROM smd_registration r
JOIN patient_person pp ON pp.patient_id = r.patient_id
LEFT JOIN smd_diagnosis d ON d.condition_id = r.condition_id
GROUP BY pp.person_key;

CREATE OR REPLACE TABLE visit AS
SELECT f.encounter_id, pp.person_key, CAST(left(f.visit_date, 10) AS DATE) AS day,
       TRY_CAST(f.mode AS INTEGER) AS mode,
       TRY_CAST(max(o.value) FILTER (WHERE o.finding = 'follow-up-class') AS INTEGER) AS cls,
       TRY_CAST(max(o.value) FILTER (WHERE o.finding = 'risk-level') AS INTEGER) AS risk,
       TRY_CAST(max(o.value) FILTER (WHERE o.finding = 'adherence') AS INTEGER) AS adherence,
       TRY_CAST(max(o.value) FILTER (WHERE o.finding = 'hospitalisation') AS INTEGER) AS hosp
FROM smd_follow_up f
JOIN patient_person pp ON pp.patient_id = f.patient_id
LEFT JOIN smd_follow_up_finding o ON o.encounter_id = f.encounter_id
GROUP BY f.encounter_id, pp.person_key, f.visit_date, f.mode;

CREATE OR REPLACE TABLE stay AS
SELECT a.encounter_id, pp.person_key,
       CAST(left(a.admitted_at, 10) AS DATE) AS admitted,
       CAST(left(a.discharged_at, 10) AS DATE) AS discharged
FROM smd_admission a JOIN patient_person pp ON pp.patient_id = a.patient_id;
"""

# The gap ending at each follow-up, and whether the previous follow-up's class allowed it.
_GAPS = """
CREATE OR REPLACE TABLE visit_gap AS
WITH ordered AS (
  SELECT *, lag(day) OVER w AS prev_day, lag(cls) OVER w AS prev_cls,
         lag(cls, 2) OVER w AS prev_prev_cls
  FROM visit WINDOW w AS (PARTITION BY person_key ORDER BY day, encounter_id)
), with_stay AS (
  -- the latest discharge strictly before the follow-up (an as-of join, not a subquery)
  SELECT o.*, s.discharged AS last_out
  FROM ordered o ASOF LEFT JOIN (
    SELECT person_key, discharged FROM stay WHERE discharged >= admitted
  ) s ON s.person_key = o.person_key AND o.day > s.discharged
)
SELECT *,
  CASE
    WHEN prev_day IS NULL THEN TRUE
    WHEN last_out > prev_day THEN (day - last_out) <= {after_discharge}
    ELSE (day - prev_day) <= CASE
      WHEN prev_cls = 1 THEN {unstable}
      WHEN prev_cls = 2 AND coalesce(prev_prev_cls, -1) <> 2 THEN {basically_stable_first}
      WHEN prev_cls = 2 THEN {basically_stable_max}
      ELSE {stable} END
  END AS gap_ok
FROM with_stay;
"""

_PERSON_PERIOD = """
CREATE OR REPLACE TABLE person_period AS
WITH per_visit AS (
  SELECT p.label, g.person_key, count(*) AS visits,
         count(*) FILTER (WHERE NOT g.gap_ok) AS bad_gaps,
         count(*) FILTER (WHERE g.adherence IN (1, 2) OR g.hosp = 1) AS medicated_visits,
         count(*) FILTER (WHERE g.adherence = 1 OR g.hosp = 1) AS regular_visits,
         count(*) FILTER (WHERE g.adherence IN (2, 3)) AS irregular_visits,
         count(*) FILTER (WHERE g.mode IN (1, 2)) AS face_visits,
         arg_max(g.cls, g.day::VARCHAR || g.encounter_id) AS last_cls,
         arg_max(g.risk, g.day::VARCHAR || g.encounter_id) AS last_risk
  FROM period p JOIN visit_gap g ON g.day BETWEEN p.first AND p.last
  GROUP BY p.label, g.person_key
), missing AS (
  -- quarter pieces in which the person was registered throughout but had no regular visit
  SELECT pc.label, x.person_key, count(*) AS missing_pieces
  FROM piece pc JOIN person x
    ON x.registered_on <= pc.first AND (x.gone_on IS NULL OR x.gone_on > pc.last)
  WHERE NOT EXISTS (SELECT 1 FROM visit g WHERE g.person_key = x.person_key
                    AND g.day BETWEEN pc.first AND pc.last AND (g.adherence = 1 OR g.hosp = 1))
  GROUP BY pc.label, x.person_key
)
SELECT p.kind, p.label, x.person_key, x.street, x.diagnosis,
  x.registered_on <= p.last AND (x.gone_on IS NULL OR x.gone_on >= p.first) AS registered,
  x.registered_on <= p.first AND (x.gone_on IS NULL OR x.gone_on > p.last) AS registered_throughout,
  coalesce(v.visits, 0) AS visits, coalesce(v.bad_gaps, 0) AS bad_gaps,
  coalesce(v.medicated_visits, 0) AS medicated_visits,
  coalesce(v.regular_visits, 0) AS regular_visits,
  coalesce(v.irregular_visits, 0) AS irregular_visits,
  coalesce(v.face_visits, 0) AS face_visits,
  coalesce(m.missing_pieces, 0) AS missing_pieces, v.last_cls, v.last_risk
FROM period p CROSS JOIN person x
LEFT JOIN per_visit v ON v.label = p.label AND v.person_key = x.person_key
LEFT JOIN missing m ON m.label = p.label AND m.person_key = x.person_key;

CREATE OR REPLACE TABLE discharge_period AS
SELECT p.kind, p.label, s.person_key, x.street, s.discharged,
  coalesce(x.registered_on <= s.discharged
           AND (x.gone_on IS NULL OR x.gone_on > s.discharged), FALSE) AS registered_at_discharge,
  EXISTS (SELECT 1 FROM visit g WHERE g.person_key = s.person_key AND g.day > s.discharged
          AND g.day - s.discharged <= {discharge_follow_up_days}) AS followed_up,
  EXISTS (SELECT 1 FROM stay t WHERE t.person_key = s.person_key AND t.admitted > s.discharged
          AND t.admitted - s.discharged <= {readmission_days}) AS readmitted
FROM period p JOIN stay s ON s.discharged BETWEEN p.first AND p.last
LEFT JOIN person x ON x.person_key = s.person_key;
"""


def _period_tables(connection: duckdb.DuckDBPyConnection, periods: list[Period]) -> None:
    """`period` (kind, label, first, last) and `piece` (label, first, last) tables."""
    period = pa.table(
        {
            "kind": [p.kind for p in periods],
            "label": [p.label for p in periods],
            "first": pa.array([p.first for p in periods], pa.date32()),
            "last": pa.array([p.last for p in periods], pa.date32()),
        }
    )
    pieces = [(p.label, a, b) for p in periods for a, b in p.pieces()]
    piece = pa.table(
        {
            "label": [x[0] for x in pieces],
            "first": pa.array([x[1] for x in pieces], pa.date32()),
            "last": pa.array([x[2] for x in pieces], pa.date32()),
        }
    )
    for name, table in (("period", period), ("piece", piece)):
        connection.register(f"_{name}_arrow", table)
        connection.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_arrow")
        connection.unregister(f"_{name}_arrow")


def _limits(rules: FollowUpRules) -> dict[str, int]:
    return {
        "after_discharge": rules.discharge_follow_up_days,
        "unstable": rules.unstable_max_days,
        "basically_stable_first": rules.basically_stable_first_days,
        "basically_stable_max": rules.basically_stable_max_days,
        "stable": rules.stable_max_days,
        "discharge_follow_up_days": rules.discharge_follow_up_days,
        "readmission_days": rules.readmission_days,
    }


def build_base(connection: duckdb.DuckDBPyConnection, rules: FollowUpRules) -> None:
    """Period-independent tables: person, visit (with its gap verdict) and stay."""
    connection.execute(_PERSONS)
    connection.execute(_GAPS.format(**_limits(rules)))


def build_periods(
    connection: duckdb.DuckDBPyConnection, periods: list[Period], rules: FollowUpRules
) -> None:
    """person_period and discharge_period for the periods (needs build_base first)."""
    _period_tables(connection, periods)
    connection.execute(_PERSON_PERIOD.format(**_limits(rules)))


def build_facts(
    connection: duckdb.DuckDBPyConnection, periods: list[Period], rules: FollowUpRules
) -> None:
    """person_period and discharge_period from the flattened views already in `connection`."""
    build_base(connection, rules)
    build_periods(connection, periods, rules)
