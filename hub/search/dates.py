"""FHIR date, dateTime and instant values as inclusive ranges in naive UTC."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

__all__ = ["DateRange", "parse_fhir_date"]

DateRange = tuple[datetime, datetime]

_DATE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:T(?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?P<f>\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)
_TICK = timedelta(microseconds=1)


def parse_fhir_date(value: str) -> DateRange:
    """The inclusive [low, high] a FHIR date/dateTime/instant covers, in naive UTC.

    ``2024`` covers the whole year, ``2024-03-05T10:00+08:00`` the whole minute. A time
    without a zone is read as UTC. Raises ValueError for anything that is not a FHIR date.
    """
    match = _DATE.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a FHIR date, dateTime or instant")
    try:
        return _range(match.groupdict())
    except ValueError:
        raise ValueError(f"{value!r} is not a FHIR date, dateTime or instant") from None


def _range(g: dict[str, str | None]) -> DateRange:
    year = int(g["y"] or 0)
    if g["m"] is None:
        return datetime(year, 1, 1), datetime(year + 1, 1, 1) - _TICK
    month = int(g["m"])
    if g["d"] is None:
        last = calendar.monthrange(year, month)[1]
        return datetime(year, month, 1), datetime(year, month, last) + timedelta(days=1) - _TICK
    day = int(g["d"])
    if g["H"] is None:
        start = datetime(year, month, day)
        return start, start + timedelta(days=1) - _TICK
    start = datetime(year, month, day, int(g["H"]), int(g["M"] or 0))
    width = timedelta(minutes=1)
    if g["S"] is not None:
        start = start.replace(second=int(g["S"]))
        width = timedelta(seconds=1)
        if g["f"]:
            digits = g["f"][1:7]
            start = start.replace(microsecond=int(digits.ljust(6, "0")))
            width = timedelta(microseconds=10 ** (6 - len(digits)))
    if g["tz"] and g["tz"] != "Z":
        sign = 1 if g["tz"][0] == "+" else -1
        hours, minutes = int(g["tz"][1:3]), int(g["tz"][4:6])
        start -= sign * timedelta(hours=hours, minutes=minutes)
    return start, start + width - _TICK
