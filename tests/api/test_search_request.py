"""Parsing search query strings (pure: no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.search.errors import InvalidSearch
from hub.search.request import parse_search, split_escaped
from hub.search.values import parse_number_value, parse_reference_value, parse_token_value


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace("|", "\\|")


@given(st.lists(st.text(), min_size=1, max_size=5))
def test_escaped_commas_split_back_into_the_values(values: list[str]) -> None:
    assert split_escaped(",".join(_escape(v) for v in values), ",") == values


@given(system=st.text(min_size=1), code=st.text(min_size=1))
def test_token_system_and_code_survive_escaping(system: str, code: str) -> None:
    assert parse_token_value(f"{_escape(system)}|{_escape(code)}") == (True, system, code)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-1e6, max_value=1e6))
def test_number_precision_range_contains_the_value(value: object) -> None:
    parsed = parse_number_value("n", f"{value}", quantity=False)
    assert parsed.low <= parsed.value <= parsed.high
    assert parsed.prefix == "eq"


def test_reference_forms() -> None:
    base = "http://hub.test/fhir"
    assert parse_reference_value("Patient/1", base).target_type == "Patient"
    assert parse_reference_value(f"{base}/Patient/1", base).url is None
    assert parse_reference_value("http://other/fhir/Patient/1", base).url is not None
    assert parse_reference_value("1", base).target_id == "1"


def test_control_parameters_and_unknowns() -> None:
    request = parse_search(
        "Observation",
        [("_count", "5"), ("_sort", "-date"), ("colour", "red"), ("_format", "json")],
    )
    assert (request.count, request.ignored) == (5, ["colour"])
    assert request.sort[0][1] is True
    with pytest.raises(InvalidSearch):
        parse_search("Observation", [("colour", "red")], strict=True)
    with pytest.raises(InvalidSearch):
        parse_search("Observation", [("code", "a\x00b")])
