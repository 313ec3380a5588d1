"""ViewDefinition runner: validation messages, sources, fallback, writers, cardinality errors."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.stats.viewdef import (
    DuckDBTable,
    NdjsonFiles,
    NotCompilableError,
    ViewDefinitionError,
    ViewExecutionError,
    compile_view,
    evaluate_view_fhirpath,
    run_view,
    write_csv,
    write_ndjson,
    write_parquet,
)
from tests.stats.conftest import postgres_table

PATIENTS: list[dict[str, Any]] = [
    {
        "resourceType": "Patient",
        "id": "p1",
        "gender": "female",
        "name": [{"family": "Li", "given": ["Mei", "Hua"]}],
        "multipleBirthInteger": 2,
    },
    {"resourceType": "Patient", "id": "p2", "gender": "male", "name": [{"family": "Wang"}]},
]
OBSERVATIONS: list[dict[str, Any]] = [
    {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "valueQuantity": {"value": 7.5, "code": "{score}"},
    }
]


def _view(columns: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"name": "patients", "resource": "Patient", "select": [{"column": columns}], **extra}


def _rows(table: Any) -> list[dict[str, Any]]:
    return sorted(table.to_pylist(), key=json.dumps)


@pytest.mark.parametrize(
    ("view", "where", "problem"),
    [
        (
            _view([{"name": "x", "path": "name.frobnicate()"}]),
            "select[0].column[0].path",
            "unknown function frobnicate()",
        ),
        (
            _view([{"name": "1st", "path": "id"}]),
            "select[0].column[0].name",
            "invalid column name '1st'",
        ),
        (
            _view([{"name": "x", "path": "name.where(use = %missing)"}]),
            "select[0].column[0].path",
            "undefined environment variable: missing",
        ),
        (
            _view([{"name": "x", "path": "value.ofType(Nonsense)"}]),
            "select[0].column[0].path",
            "unknown type 'Nonsense'",
        ),
        (
            _view([{"name": "x", "path": "id", "type": "strnig"}]),
            "select[0].column[0].type",
            "unknown FHIR type 'strnig'",
        ),
        (_view([{"name": "x", "path": "name.("}]), "select[0].column[0].path", "invalid FHIRPath"),
        (
            _view([{"name": "x", "path": "id"}, {"name": "x", "path": "gender"}]),
            "select",
            "column name 'x' is used twice",
        ),
    ],
)
def test_invalid_views_name_the_view_and_the_path(
    view: dict[str, Any], where: str, problem: str
) -> None:
    """Validation errors say which view, which element, and what is wrong."""
    with pytest.raises(ViewDefinitionError) as caught:
        run_view(view, PATIENTS)
    message = str(caught.value)
    assert "'patients'" in message
    assert where in message
    assert problem in message


def test_union_branches_must_agree() -> None:
    """unionAll branches with different columns are rejected with both column lists."""
    view = {
        "name": "u",
        "resource": "Patient",
        "select": [
            {
                "unionAll": [
                    {"column": [{"name": "a", "path": "id"}]},
                    {"column": [{"name": "b", "path": "id"}]},
                ]
            }
        ],
    }
    with pytest.raises(ViewDefinitionError, match=r"select\[0\]\.unionAll\[1\].*\['a'\]"):
        compile_view(view)


def test_compiled_sql_is_set_based_duckdb_json() -> None:
    """The compiled query uses DuckDB JSON functions and lateral unnest, nothing to install."""
    view = _view([{"name": "id", "path": "id"}])
    view["select"].append({"forEach": "name", "column": [{"name": "family", "path": "family"}]})
    sql = compile_view(view, source="resources")
    assert "json_extract" in sql
    assert "unnest(" in sql
    assert "INSTALL" not in sql.upper()
    assert "LOAD " not in sql.upper()


def test_engines_agree_on_typed_columns() -> None:
    """DuckDB and the fhirpathpy reference give the same rows and Python types."""
    view = _view(
        [
            {"name": "id", "path": "getResourceKey()", "type": "id"},
            {"name": "births", "path": "multipleBirth.ofType(integer)", "type": "integer"},
            {"name": "given", "path": "name.given", "collection": True, "type": "string"},
            {"name": "first_given", "path": "name.given.first()", "type": "string"},
            {"name": "is_female", "path": "gender = 'female'", "type": "boolean"},
        ]
    )
    compiled = _rows(run_view(view, PATIENTS))
    reference = sorted(evaluate_view_fhirpath(view, PATIENTS), key=json.dumps)
    assert compiled == reference
    assert compiled[0] == {
        "id": "p1",
        "births": 2,
        "given": ["Mei", "Hua"],
        "first_given": "Mei",
        "is_female": True,
    }


def test_untranslatable_expression_falls_back_to_fhirpath() -> None:
    """An expression without SQL translation still runs, through the reference evaluator."""
    view = _view(
        [
            {"name": "id", "path": "id"},
            {"name": "trimmed_family", "path": "name.family.first().trim()"},
        ]
    )
    with pytest.raises(NotCompilableError):
        compile_view(view)
    rows = run_view(view, PATIENTS, output="rows")
    assert sorted(r["trimmed_family"] for r in rows) == ["Li", "Wang"]  # type: ignore[index]


def test_bare_choice_element_is_not_guessed() -> None:
    """`value` without ofType() cannot be a fixed JSON key: it falls back, not empties."""
    view = {
        "name": "obs",
        "resource": "Observation",
        "select": [{"column": [{"name": "v", "path": "value.value", "type": "decimal"}]}],
    }
    with pytest.raises(NotCompilableError):
        compile_view(view)
    assert run_view(view, OBSERVATIONS, output="rows") == [{"v": 7.5}]


@pytest.mark.parametrize("engine", ["duckdb", "fhirpath"])
def test_several_values_in_a_single_column_is_an_error(engine: str) -> None:
    """A non-collection column that meets two values stops the run, naming the column."""
    view = _view([{"name": "given", "path": "name.given"}])
    with pytest.raises(ViewExecutionError, match=r"select\[0\]\.column\[0\]"):
        run_view(view, PATIENTS, engine=engine)  # type: ignore[arg-type]


def test_ndjson_bulk_export_folder(tmp_path: Path) -> None:
    """A Bulk $export folder is read per resource type, straight from the files."""
    for name, items in (("Patient.ndjson", PATIENTS[:1]), ("Observation_1.ndjson", OBSERVATIONS)):
        (tmp_path / name).write_text("\n".join(json.dumps(r) for r in items) + "\n")
    with gzip.open(tmp_path / "Patient_2.ndjson.gz", "wt") as handle:
        handle.write(json.dumps(PATIENTS[1]) + "\n")
    view = {
        "name": "obs",
        "resource": "Observation",
        "select": [
            {
                "column": [
                    {"name": "patient", "path": "subject.getReferenceKey(Patient)", "type": "id"},
                    {"name": "score", "path": "value.ofType(Quantity).value", "type": "decimal"},
                ]
            }
        ],
    }
    assert run_view(view, NdjsonFiles(tmp_path), output="rows") == [{"patient": "p1", "score": 7.5}]
    ids = run_view(_view([{"name": "id", "path": "id"}]), tmp_path, output="rows")
    assert sorted(r["id"] for r in ids) == ["p1", "p2"]  # type: ignore[index]


def test_duckdb_table_and_relation_sources() -> None:
    """A stored table (resource_type, id, content JSON) or a relation is queried in place."""
    con = duckdb.connect()
    con.execute("CREATE TABLE store (resource_type VARCHAR, id VARCHAR, content JSON)")
    for r in PATIENTS + OBSERVATIONS:
        con.execute(
            "INSERT INTO store VALUES (?, ?, ?)", [r["resourceType"], r["id"], json.dumps(r)]
        )
    view = _view([{"name": "id", "path": "id"}], where=[{"path": "gender = 'male'"}])
    assert run_view(view, DuckDBTable(con, "store"), output="rows") == [{"id": "p2"}]
    relation = con.sql("SELECT * FROM store")
    assert run_view(view, relation, output="rows") == [{"id": "p2"}]
    assert run_view(view, DuckDBTable(con, "store"), engine="fhirpath", output="rows") == [
        {"id": "p2"}
    ]


def test_writers_round_trip(tmp_path: Path) -> None:
    """CSV, Parquet and NDJSON outputs hold the same rows."""
    view = _view(
        [{"name": "id", "path": "id"}, {"name": "given", "path": "name.given", "collection": True}]
    )
    table = run_view(view, PATIENTS)
    write_csv(table, tmp_path / "v.csv")  # type: ignore[arg-type]
    write_parquet(table, tmp_path / "v.parquet")  # type: ignore[arg-type]
    write_ndjson(table, tmp_path / "v.ndjson")  # type: ignore[arg-type]
    assert (tmp_path / "v.csv").read_text().splitlines()[0] == '"id","given"'
    assert pq.read_table(tmp_path / "v.parquet").num_rows == 2
    lines = [json.loads(x) for x in (tmp_path / "v.ndjson").read_text().splitlines()]
    assert sorted(x["id"] for x in lines) == ["p1", "p2"]


@pytest.mark.parametrize(
    ("text", "fhir_type", "low", "high"),
    [
        ("2024-02", "date", "2024-02-01", "2024-02-29"),
        ("1900-02", "date", "1900-02-01", "1900-02-28"),
        (
            "2005",
            "dateTime",
            "2005-01-01T00:00:00.000000000+14:00",
            "2005-12-31T23:59:59.999999999-12:00",
        ),
        (
            "2018-03-15T21:43-05:00",
            "dateTime",
            "2018-03-15T21:43:00.000000000-05:00",
            "2018-03-15T21:43:59.999999999-05:00",
        ),
        ("12:34", "time", "12:34:00.000000000", "12:34:59.999999999"),
    ],
)
def test_boundaries_agree_between_python_and_sql(
    text: str, fhir_type: str, low: str, high: str
) -> None:
    """The Python boundaries (reference engine) and the DuckDB SQL ones give the same text."""
    from hub.stats.viewdef.boundary import boundary, boundary_sql
    from hub.stats.viewdef.dialects import DuckDBDialect

    assert (boundary(text, fhir_type, False), boundary(text, fhir_type, True)) == (low, high)
    dialect = DuckDBDialect()
    sql = [boundary_sql(dialect, "t", fhir_type, h) for h in (False, True)]
    got = duckdb.sql(f"SELECT {sql[0]}, {sql[1]} FROM (SELECT ? AS t)", params=[text]).fetchall()
    assert got == [(low, high)]


DIFFERENTIAL_PATIENTS: list[dict[str, Any]] = [
    {
        "resourceType": "Patient",
        "id": "d1",
        "gender": "female",
        "birthDate": "1975-04-02",
        "multipleBirthInteger": 1,
        "name": [
            {"use": "official", "family": "Li", "given": ["Mei", "Hua"]},
            {"use": "nickname", "given": ["Meimei"]},
        ],
        "telecom": [{"system": "phone", "value": "1"}, {"system": "email", "value": "a@b"}],
        "address": [{"city": "Wuhan", "line": ["1 Road", "Flat 2"]}],
        "extension": [{"url": "u", "valueString": "x"}],
        "link": [{"other": {"reference": "Patient/d2"}}],
    },
    {"resourceType": "Patient", "id": "d2", "gender": "male", "birthDate": "1990"},
    {"resourceType": "Patient", "id": "d3", "name": [{"family": "Wang", "given": ["Wei"]}]},
]
DIFFERENTIAL_PATHS = [
    "name.where(use = 'official').given.first()",
    "name.given.count()",
    "name.exists(given.exists())",
    "gender = 'female' and birthDate < '1980-01-01'",
    "telecom.where(system = 'phone' or system = 'email').value.join('|')",
    "(gender = 'male').not()",
    "multipleBirth.ofType(integer) + 1",
    "address.line.first() & ' / ' & address.city.first()",
    "name[1].given.first()",
    "extension('u').value.ofType(string)",
    "link.other.getReferenceKey(Patient)",
    "name.given contains 'Mei'",
    "'Wei' in name.given",
    "name.given.empty()",
    "gender != 'male'",
    "birthDate.lowBoundary()",
    "gender.startsWith('fe')",
    "name.where(family.endsWith('i')).given.first()",
    "name.where(use.contains('nick')).given.first()",
    "gender.upper() + '/' + gender.lower()",
    "name.family.first().length()",
    "multipleBirth.ofType(integer).toString()",
    "iif(gender = 'male', 'M', 'F')",
    "iif(name.exists(), name.count(), 0)",
    "gender.hasValue()",
]


@pytest.mark.parametrize("path", DIFFERENTIAL_PATHS)
def test_compiled_sql_matches_the_fhirpath_reference(path: str) -> None:
    """Each expression gives the same value in DuckDB SQL as in fhirpathpy."""
    view = _view([{"name": "id", "path": "id"}, {"name": "v", "path": path}])
    compile_view(view)  # compiles: the comparison is not against a silent fallback
    compiled = _rows(run_view(view, DIFFERENTIAL_PATIENTS))
    reference = sorted(evaluate_view_fhirpath(view, DIFFERENTIAL_PATIENTS), key=json.dumps)
    assert compiled == reference


@pytest.mark.postgres
@pytest.mark.parametrize("path", DIFFERENTIAL_PATHS)
def test_postgres_sql_matches_the_fhirpath_reference(path: str, postgres_connection: Any) -> None:
    """Each expression gives the same value in PostgreSQL SQL as in fhirpathpy."""
    view = _view([{"name": "id", "path": "id"}, {"name": "v", "path": path}])
    compile_view(view, dialect="postgres")
    source = postgres_table(postgres_connection, DIFFERENTIAL_PATIENTS)
    compiled = sorted(run_view(view, source, engine="postgres", output="rows"), key=json.dumps)
    reference = sorted(evaluate_view_fhirpath(view, DIFFERENTIAL_PATIENTS), key=json.dumps)
    assert compiled == reference


def _nested_items(depth: int) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": str(depth)}
    for level in range(depth - 1, 0, -1):
        item = {"linkId": str(level), "item": [item, {"linkId": f"{level}b"}]}
    return {"resourceType": "QuestionnaireResponse", "id": "q", "item": [item]}


def test_repeat_is_depth_first_with_row_index_in_sql() -> None:
    """repeat compiles to SQL, numbering items in depth-first pre-order like the reference."""
    view = {
        "name": "items",
        "resource": "QuestionnaireResponse",
        "select": [
            {
                "repeat": ["item"],
                "column": [
                    {"name": "i", "path": "%rowIndex", "type": "integer"},
                    {"name": "link", "path": "linkId", "type": "string"},
                ],
            }
        ],
    }
    compile_view(view)
    resources = [_nested_items(4)]
    rows = sorted(run_view(view, resources, output="rows"), key=lambda r: r["i"])  # type: ignore[arg-type, index, return-value]
    assert [r["link"] for r in rows] == ["1", "2", "3", "4", "3b", "2b", "1b"]  # type: ignore[index]
    assert rows == evaluate_view_fhirpath(view, resources)


def test_repeat_deeper_than_the_unrolled_levels_stops() -> None:
    """Data nested deeper than the compiled levels aborts instead of silently cutting rows."""
    from hub.stats.viewdef.sql_view import REPEAT_DEPTH

    view = {
        "name": "items",
        "resource": "QuestionnaireResponse",
        "select": [
            {"repeat": ["item"], "column": [{"name": "link", "path": "linkId", "type": "string"}]}
        ],
    }
    assert len(run_view(view, [_nested_items(REPEAT_DEPTH)])) == 2 * REPEAT_DEPTH - 1  # type: ignore[arg-type]
    with pytest.raises(ViewExecutionError, match="repeat deeper than"):
        run_view(view, [_nested_items(REPEAT_DEPTH + 1)])


_names = st.lists(
    st.fixed_dictionaries(
        {"given": st.lists(st.sampled_from(["Mei", "Wei", "Hua"]), max_size=3)},
        optional={
            "use": st.sampled_from(["official", "nickname"]),
            "family": st.sampled_from(["Li", "Wang"]),
        },
    ),
    max_size=3,
)
_patients = st.lists(
    st.fixed_dictionaries(
        {"resourceType": st.just("Patient"), "name": _names},
        optional={
            "gender": st.sampled_from(["male", "female"]),
            "birthDate": st.sampled_from(["1975", "1975-04", "1990-12-31"]),
            "multipleBirthInteger": st.integers(0, 3),
            "telecom": st.lists(
                st.fixed_dictionaries(
                    {
                        "system": st.sampled_from(["phone", "email"]),
                        "value": st.sampled_from(["1", "2"]),
                    }
                ),
                max_size=2,
            ),
        },
    ),
    max_size=4,
).map(lambda items: [{**p, "id": f"h{i}"} for i, p in enumerate(items)])


@settings(max_examples=15, deadline=None)
@given(resources=_patients)
def test_engines_agree_on_generated_patients(resources: list[dict[str, Any]]) -> None:
    """On random patients, DuckDB SQL and fhirpathpy give the same rows, or both refuse."""
    view = _view(
        [{"name": "id", "path": "id"}]
        + [
            {"name": f"v{i}", "path": path}
            for i, path in enumerate(DIFFERENTIAL_PATHS)
            if "extension" not in path and "link" not in path and "address" not in path
        ]
    )
    try:
        expected = sorted(evaluate_view_fhirpath(view, resources), key=json.dumps)
    except ViewExecutionError:
        with pytest.raises(ViewExecutionError):
            run_view(view, resources)
        return
    assert _rows(run_view(view, resources)) == expected


def test_where_checks_only_the_views_resource_type() -> None:
    """A where path that is Boolean on Patient does not abort on another type's rows."""
    view = _view([{"name": "id", "path": "id"}], where=[{"path": "status"}])
    other = {"resourceType": "Observation", "id": "o9", "status": "final"}
    with_flag = {"resourceType": "Patient", "id": "p9", "status": True}
    assert run_view(view, [other, with_flag], output="rows") == [{"id": "p9"}]
