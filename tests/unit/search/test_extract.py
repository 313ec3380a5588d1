"""Index extraction: which rows a resource gets, choice types, nested paths, no repeats."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.search.dates import parse_fhir_date
from hub.search.extract import date_range, index_resource, values_at
from hub.search.parameters import parameters_for

_GOLDEN = Path(__file__).resolve().parents[2] / "mappings" / "golden"


def _golden_resources() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(_GOLDEN.glob("*.json")):
        found.extend(json.loads(path.read_text())["resources"])
    return found


def _rows(resource: dict[str, Any], table: str, param: str) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k != "param"}
        for name, row in index_resource(resource)
        if name == table and row["param"] == param
    ]


def test_every_choice_type_variant_is_indexed() -> None:
    timed = {"resourceType": "Observation", "effectiveDateTime": "2024-03-05T10:00:00+08:00"}
    spanned = {
        "resourceType": "Observation",
        "effectivePeriod": {"start": "2024-03-05", "end": "2024-03-07"},
    }
    assert _rows(timed, "date", "date") == [
        {"low": datetime(2024, 3, 5, 2), "high": datetime(2024, 3, 5, 2, 0, 0, 999999)}
    ]
    assert _rows(spanned, "date", "date") == [
        {"low": datetime(2024, 3, 5), "high": datetime(2024, 3, 7, 23, 59, 59, 999999)}
    ]


def test_nested_paths_and_lists_give_one_row_per_value() -> None:
    patient = {
        "resourceType": "Patient",
        "name": [{"family": "Li", "given": ["Wei", "Ming"]}, {"family": "Wang"}],
        "meta": {"tag": [{"system": "s", "code": "a"}, {"system": "s", "code": "b"}]},
    }
    assert sorted(r["exact"] for r in _rows(patient, "string", "given")) == ["Ming", "Wei"]
    assert sorted(r["exact"] for r in _rows(patient, "string", "family")) == ["Li", "Wang"]
    assert sorted(r["code"] for r in _rows(patient, "token", "_tag")) == ["a", "b"]


def test_repeated_values_give_one_row() -> None:
    coding = {"system": "http://loinc.org", "code": "8867-4"}
    observation = {
        "resourceType": "Observation",
        "code": {"coding": [coding, dict(coding), {"system": "http://loinc.org", "code": "x"}]},
        "performer": [{"reference": "Practitioner/a"}, {"reference": "Practitioner/a"}],
    }
    assert sorted(r["code"] for r in _rows(observation, "token", "code")) == ["8867-4", "x"]
    assert len(_rows(observation, "reference", "performer")) == 1


def test_aliases_have_no_rows_of_their_own() -> None:
    observation = {"resourceType": "Observation", "subject": {"reference": "Patient/p1"}}
    assert _rows(observation, "reference", "patient") == []
    assert _rows(observation, "reference", "subject") == [
        {"target_type": "Patient", "target_id": "p1", "target_url": None}
    ]


def test_strings_are_normalised_for_search_and_kept_as_written() -> None:
    patient = {"resourceType": "Patient", "name": [{"family": "Ünal"}, {"family": "SMITH"}]}
    rows = {r["exact"]: r["value"] for r in _rows(patient, "string", "family")}
    assert rows == {"Ünal": "unal", "SMITH": "smith"}


def test_golden_resources_index_every_value_once() -> None:
    resources = _golden_resources()
    assert resources
    for resource in resources:
        rows = list(index_resource(resource))
        keys = Counter((table, tuple(row.items())) for table, row in rows)
        assert max(keys.values(), default=1) == 1, resource["id"]
        known = parameters_for(resource["resourceType"])
        assert {row["param"] for _, row in rows} <= set(known)
        for table, row in rows:
            if table == "token" and row["param"] == "_security":
                labels = list(values_at(resource, "meta.security"))
                assert {"system": row["system"], "code": row["code"]} in [
                    {"system": s.get("system"), "code": s.get("code")} for s in labels
                ]


_digits = st.text("0123456789", min_size=2, max_size=2)


@st.composite
def _date_like(draw: st.DrawFn) -> str:
    """Strings shaped like FHIR dates (valid or not), with the separators the fast path reads."""
    year = draw(st.text("0123456789", min_size=4, max_size=4))
    month, day, hour, minute, second = (draw(_digits) for _ in range(5))
    zone = draw(st.sampled_from(["Z", "+08:00", "-05:30", "+14:00", "", "+0800"]))
    shape = draw(st.sampled_from(["day", "second", "fraction", "minute", "other"]))
    if shape == "day":
        return f"{year}-{month}-{day}"
    if shape == "second":
        return f"{year}-{month}-{day}T{hour}:{minute}:{second}{zone}"
    if shape == "fraction":
        return f"{year}-{month}-{day}T{hour}:{minute}:{second}.5{zone}"
    if shape == "minute":
        return f"{year}-{month}-{day}T{hour}:{minute}{zone}"
    return draw(st.text(max_size=26))


def _outcome(parse: Any, value: str) -> Any:
    try:
        return parse(value)
    except ValueError:
        return "refused"


@settings(deadline=None)  # a shared machine: timing is not what this checks
@given(_date_like())
def test_fast_date_path_agrees_with_the_parser(value: str) -> None:
    assert _outcome(date_range, value) == _outcome(parse_fhir_date, value)
