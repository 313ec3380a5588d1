"""Benchmark: district-scale ViewDefinitions on DuckDB vs the fhirpathpy baseline.

Run: .venv/bin/python tests/stats/bench_viewdef.py [patients] [postgresql://... (optional)]
(default 100000 patients; with a PostgreSQL URL the views also run there, compiled to SQL)
Builds a synthetic district in DuckDB (about 30 resources per patient), runs every view in
DISTRICT_VIEWS over all of it, and times the fhirpathpy evaluator on a sample to extrapolate.
Prints a table; the last line is `RESULT <json>`.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from hub.stats.viewdef import DuckDBTable, NdjsonFiles, evaluate_view_fhirpath, run_view

DISTRICT_VIEWS: list[dict[str, Any]] = [
    {
        "name": "patient_demographics",
        "resource": "Patient",
        "select": [
            {
                "column": [
                    {"name": "patient_id", "path": "getResourceKey()", "type": "id"},
                    {"name": "gender", "path": "gender", "type": "code"},
                    {"name": "birth_date", "path": "birthDate", "type": "date"},
                    {"name": "deceased", "path": "deceased.ofType(boolean)", "type": "boolean"},
                    {
                        "name": "district",
                        "path": "address.where(use = 'home').district.first()",
                        "type": "string",
                    },
                ]
            },
            {
                "forEachOrNull": "identifier.where(system = 'https://carehub.org/fhir/id/resident')",
                "column": [{"name": "resident_id", "path": "value", "type": "string"}],
            },
        ],
    },
    {
        "name": "encounters",
        "resource": "Encounter",
        "select": [
            {
                "column": [
                    {"name": "encounter_id", "path": "getResourceKey()", "type": "id"},
                    {
                        "name": "patient_id",
                        "path": "subject.getReferenceKey(Patient)",
                        "type": "id",
                    },
                    {"name": "class_code", "path": "class.code", "type": "code"},
                    {"name": "start", "path": "period.start", "type": "dateTime"},
                    {"name": "end", "path": "period.end", "type": "dateTime"},
                ]
            },
            {
                "forEach": "type.coding",
                "column": [
                    {"name": "type_system", "path": "system", "type": "uri"},
                    {"name": "type_code", "path": "code", "type": "code"},
                ],
            },
        ],
        "where": [{"path": "status = 'finished'"}],
    },
    {
        "name": "observations",
        "resource": "Observation",
        "select": [
            {
                "column": [
                    {"name": "observation_id", "path": "getResourceKey()", "type": "id"},
                    {
                        "name": "patient_id",
                        "path": "subject.getReferenceKey(Patient)",
                        "type": "id",
                    },
                    {"name": "effective", "path": "effective.ofType(dateTime)", "type": "dateTime"},
                    {"name": "value", "path": "value.ofType(Quantity).value", "type": "decimal"},
                    {"name": "unit", "path": "value.ofType(Quantity).code", "type": "code"},
                ]
            },
            {
                "forEach": "code.coding",
                "column": [{"name": "code", "path": "code", "type": "code"}],
            },
        ],
    },
    {
        "name": "medication_requests",
        "resource": "MedicationRequest",
        "select": [
            {
                "column": [
                    {"name": "request_id", "path": "getResourceKey()", "type": "id"},
                    {
                        "name": "patient_id",
                        "path": "subject.getReferenceKey(Patient)",
                        "type": "id",
                    },
                    {"name": "status", "path": "status", "type": "code"},
                    {"name": "authored", "path": "authoredOn", "type": "dateTime"},
                    {
                        "name": "drug_code",
                        "path": "medication.ofType(CodeableConcept).coding.code.first()",
                        "type": "code",
                    },
                ]
            }
        ],
        "where": [{"path": "status = 'active' or status = 'completed'"}],
    },
]

_BUILD = """
CREATE OR REPLACE TABLE resources AS
WITH p AS (SELECT range AS i FROM range({n}))
SELECT 'Patient' AS resource_type, 'p' || i AS id, json_object(
    'resourceType', 'Patient', 'id', 'p' || i,
    'identifier', [json_object('system', 'https://carehub.org/fhir/id/resident',
                               'value', 'R' || i)],
    'gender', CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END,
    'birthDate', strftime(DATE '1940-01-01' + (i % 25000)::INT, '%Y-%m-%d'),
    'deceasedBoolean', i % 97 = 0,
    'address', [json_object('use', 'home', 'district', 'D' || (i % 12))]
)::JSON AS content FROM p
UNION ALL
SELECT 'Encounter', 'e' || i || '_' || k, json_object(
    'resourceType', 'Encounter', 'id', 'e' || i || '_' || k,
    'status', CASE WHEN k % 9 = 0 THEN 'cancelled' ELSE 'finished' END,
    'class', json_object('system', 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
                         'code', CASE WHEN k % 5 = 0 THEN 'IMP' ELSE 'AMB' END),
    'type', [json_object('coding', [json_object('system', 'https://carehub.org/fhir/cs/visit',
                                                'code', 'follow-up-' || (k % 3))])],
    'subject', json_object('reference', 'Patient/p' || i),
    'period', json_object('start', '2024-0' || (1 + k % 9) || '-1' || (k % 9) || 'T09:00:00Z',
                          'end', '2024-0' || (1 + k % 9) || '-1' || (k % 9) || 'T10:00:00Z')
)::JSON FROM p, range(12) AS r(k)
UNION ALL
SELECT 'Observation', 'o' || i || '_' || k, json_object(
    'resourceType', 'Observation', 'id', 'o' || i || '_' || k, 'status', 'final',
    'code', json_object('coding', [json_object('system', 'http://loinc.org',
                                               'code', '7220' || (k % 4))]),
    'subject', json_object('reference', 'Patient/p' || i),
    'effectiveDateTime', '2024-05-1' || (k % 9) || 'T08:00:00Z',
    'valueQuantity', json_object('value', (i * 7 + k) % 40, 'code', '{{score}}')
)::JSON FROM p, range(12) AS r(k)
UNION ALL
SELECT 'MedicationRequest', 'm' || i || '_' || k, json_object(
    'resourceType', 'MedicationRequest', 'id', 'm' || i || '_' || k,
    'status', CASE WHEN k % 4 = 0 THEN 'stopped' ELSE 'active' END, 'intent', 'order',
    'medicationCodeableConcept', json_object('coding', [json_object(
        'system', 'https://carehub.org/fhir/cs/drug', 'code', 'D' || (k % 20))]),
    'subject', json_object('reference', 'Patient/p' || i),
    'authoredOn', '2024-03-0' || (1 + k % 9)
)::JSON FROM p, range(5) AS r(k)
"""


def main(patients: int) -> dict[str, Any]:
    """Build the district, time every view on DuckDB and the baseline on a sample."""
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(_BUILD.format(n=patients))
    (total,) = con.sql("SELECT count(*) FROM resources").fetchall()[0]
    build_s = time.perf_counter() - started
    source = DuckDBTable(con, "resources")
    print(f"district: {patients} patients, {total} resources, built in {build_s:.1f} s")
    print(f"{'view':<22}{'rows':>12}{'duckdb s':>11}{'fhirpath/1k':>13}{'fhirpath est s':>16}")
    timings: dict[str, Any] = {}
    all_views = 0.0
    for view in DISTRICT_VIEWS:
        started = time.perf_counter()
        table = run_view(view, source)
        seconds = time.perf_counter() - started
        all_views += seconds
        sample = [
            json.loads(c)
            for (c,) in con.execute(
                "SELECT content::VARCHAR FROM resources WHERE resource_type = ? LIMIT 1000",
                [view["resource"]],
            ).fetchall()
        ]
        started = time.perf_counter()
        evaluate_view_fhirpath(view, sample)
        per_k = time.perf_counter() - started
        (count,) = con.execute(
            "SELECT count(*) FROM resources WHERE resource_type = ?", [view["resource"]]
        ).fetchall()[0]
        estimate = per_k * count / 1000
        print(
            f"{view['name']:<22}{table.num_rows:>12}{seconds:>11.2f}{per_k:>13.2f}{estimate:>16.0f}"
        )
        timings[view["name"]] = {
            "rows": table.num_rows,
            "duckdb_s": round(seconds, 2),
            "fhirpath_est_s": round(estimate),
        }
    print(f"all views on DuckDB: {all_views:.1f} s for {total} resources")
    ndjson_s = _ndjson_run(con)
    print(f"all views on Bulk-export NDJSON files: {ndjson_s:.1f} s")
    return {
        "patients": patients,
        "resources": total,
        "all_views_s": round(all_views, 2),
        "all_views_ndjson_s": round(ndjson_s, 2),
        "views": timings,
    }


def _ndjson_run(con: duckdb.DuckDBPyConnection) -> float:
    """Export the district as Bulk-export NDJSON (one file per type), then time all views."""
    with tempfile.TemporaryDirectory() as folder:
        types = con.sql("SELECT DISTINCT resource_type FROM resources").fetchall()
        for (resource_type,) in types:
            query = "SELECT content::VARCHAR AS c FROM resources WHERE resource_type = ?"
            lines = [c for (c,) in con.execute(query, [resource_type]).fetchall()]
            Path(folder, f"{resource_type}.ndjson").write_text("\n".join(lines) + "\n")
        started = time.perf_counter()
        for view in DISTRICT_VIEWS:
            run_view(view, NdjsonFiles(Path(folder)))
        return time.perf_counter() - started


def postgres_run(con: duckdb.DuckDBPyConnection, url: str) -> float:
    """Copy the district into a jsonb table on PostgreSQL and time all views there."""
    import psycopg

    from hub.stats.viewdef import PostgresTable

    with psycopg.connect(url) as pg:
        with pg.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_resources")
            cursor.execute("CREATE TABLE bench_resources (resource_type text, content jsonb)")
            rows = con.sql("SELECT resource_type, content::VARCHAR FROM resources").fetchall()
            with cursor.copy("COPY bench_resources FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("CREATE INDEX ON bench_resources (resource_type)")
            cursor.execute("ANALYZE bench_resources")
        pg.commit()
        started = time.perf_counter()
        for view in DISTRICT_VIEWS:
            run_view(view, PostgresTable(pg, "bench_resources"), engine="postgres")
        seconds = time.perf_counter() - started
        with pg.cursor() as cursor:
            cursor.execute("DROP TABLE bench_resources")
        pg.commit()
    return seconds


if __name__ == "__main__":
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    if len(sys.argv) > 2:
        connection = duckdb.connect()
        connection.execute(_BUILD.format(n=result["patients"]))
        result["all_views_postgres_s"] = round(postgres_run(connection, sys.argv[2]), 2)
        print(f"all views on PostgreSQL: {result['all_views_postgres_s']:.1f} s")
    print("RESULT " + json.dumps(result))
