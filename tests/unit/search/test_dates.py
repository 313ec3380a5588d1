"""FHIR dates as inclusive ranges."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub.search.dates import parse_fhir_date


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("2024", datetime(2024, 1, 1), datetime(2024, 12, 31, 23, 59, 59, 999999)),
        ("2024-02", datetime(2024, 2, 1), datetime(2024, 2, 29, 23, 59, 59, 999999)),
        ("2024-03-05", datetime(2024, 3, 5), datetime(2024, 3, 5, 23, 59, 59, 999999)),
        (
            "2024-03-05T10:00:00+08:00",
            datetime(2024, 3, 5, 2),
            datetime(2024, 3, 5, 2, 0, 0, 999999),
        ),
        (
            "2024-03-05T10:00:00.5Z",
            datetime(2024, 3, 5, 10, 0, 0, 500000),
            datetime(2024, 3, 5, 10, 0, 0, 599999),
        ),
    ],
)
def test_precision_gives_the_range(value: str, low: datetime, high: datetime) -> None:
    assert parse_fhir_date(value) == (low, high)


@pytest.mark.parametrize("value", ["", "2024-13", "24-01-01", "2024-01-01T25:00", "yesterday"])
def test_not_a_date_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a FHIR date"):
        parse_fhir_date(value)
