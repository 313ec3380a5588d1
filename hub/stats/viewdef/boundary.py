"""lowBoundary() / highBoundary() of partial dates, dateTimes and times, in Python and SQL.

A partial value stands for a range: `2007-03` is any instant in March 2007. The boundaries
fill the missing parts with their lowest or highest values, to nanoseconds, and a missing
time zone with the earliest (+14:00) or latest (-12:00) offset, as the specification's
tests expect. Decimal precision boundaries are not implemented.
"""

from __future__ import annotations

import calendar
import re

from hub.stats.viewdef.dialects import Dialect, quote

__all__ = ["BOUNDARY_TYPES", "boundary", "boundary_sql"]

BOUNDARY_TYPES = frozenset({"date", "dateTime", "instant", "time"})
_ZONE = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def _date(text: str, high: bool) -> str:
    parts = text.split("-")
    year = parts[0]
    month = parts[1] if len(parts) > 1 else ("12" if high else "01")
    if len(parts) > 2:
        day = parts[2]
    elif high:
        day = f"{calendar.monthrange(int(year), int(month))[1]:02d}"
    else:
        day = "01"
    return f"{year}-{month}-{day}"


def _time(text: str, high: bool) -> str:
    whole, _, fraction = text.partition(".")
    if not whole:
        whole = "23:59:59" if high else "00:00:00"
    elif whole.count(":") == 1:
        whole += ":59" if high else ":00"
    return f"{whole}.{fraction.ljust(9, '9' if high else '0')[:9]}"


def boundary(text: str, fhir_type: str, high: bool) -> str:
    """The low or high boundary of a partial date, dateTime/instant or time."""
    if fhir_type == "time":
        return _time(text, high)
    if fhir_type == "date":
        return _date(text, high)
    day, _, rest = text.partition("T")
    zone_match = _ZONE.search(rest)
    zone = zone_match.group(1) if zone_match else ("-12:00" if high else "+14:00")
    clock = rest[: zone_match.start()] if zone_match else rest
    return f"{_date(day, high)}T{_time(clock, high)}{zone}"


def _date_sql(d: Dialect, text: str, high: bool) -> str:
    if not high:
        return (
            f"(CASE length({text}) WHEN 4 THEN {text} || '-01-01' "
            f"WHEN 7 THEN {text} || '-01' ELSE {text} END)"
        )
    return (
        f"(CASE length({text}) WHEN 4 THEN {text} || '-12-31' "
        f"WHEN 7 THEN {d.last_day_of_month(text)} ELSE {text} END)"
    )


def _time_sql(d: Dialect, text: str, high: bool) -> str:
    whole = f"split_part({text}, '.', 1)"
    fraction = f"(CASE WHEN strpos({text}, '.') > 0 THEN split_part({text}, '.', 2) ELSE '' END)"
    padded = f"rpad({fraction}, 9, {quote('9' if high else '0')})"
    top, bottom = ("23:59:59", "59") if high else ("00:00:00", "00")
    return (
        f"(CASE length({whole}) WHEN 0 THEN {quote(top)} "
        f"WHEN 5 THEN {whole} || ':' || {quote(bottom)} ELSE {whole} END || '.' || {padded})"
    )


def boundary_sql(d: Dialect, text: str, fhir_type: str, high: bool) -> str:
    """SQL for the boundary of the text expression `text` (NULL stays NULL)."""
    if fhir_type == "time":
        return _time_sql(d, text, high)
    if fhir_type == "date":
        return _date_sql(d, text, high)
    rest = f"(CASE WHEN strpos({text}, 'T') > 0 THEN split_part({text}, 'T', 2) ELSE '' END)"
    zone = d.regex_group(rest, "(Z|[+-][0-9]{2}:[0-9]{2})$")
    clock = f"left({rest}, length({rest}) - length({zone}))"
    default_zone = quote("-12:00" if high else "+14:00")
    day = f"split_part({text}, 'T', 1)"
    return (
        f"({_date_sql(d, day, high)} || 'T' || {_time_sql(d, clock, high)} || "
        f"(CASE WHEN {zone} = '' THEN {default_zone} ELSE {zone} END))"
    )
