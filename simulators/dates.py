"""Day numbers (days since 1970-01-01) to the date and time strings each system writes."""

from __future__ import annotations

from datetime import date
from functools import cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "NO_DAY",
    "agency_date",
    "agency_stamp",
    "day_number",
    "iso_dates",
    "iso_times",
    "to_date",
]

_EPOCH = date(1970, 1, 1)
IntArray = npt.NDArray[np.int64]
#: Day number meaning "no date" (births before 1970 are negative, so -1 will not do).
NO_DAY = -1_000_000


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - _EPOCH).days


def to_date(day: int) -> date:
    """The date of a day number."""
    return date.fromordinal(_EPOCH.toordinal() + int(day))


def iso_dates(days: IntArray, sep: str = "-", missing: str = "") -> list[str]:
    """``YYYY-MM-DD`` (or another separator) for each day; ``NO_DAY`` gives ``missing``."""
    days = np.asarray(days, dtype=np.int64)
    if not len(days):
        return []
    text = np.datetime_as_string(np.where(days == NO_DAY, 0, days).astype("datetime64[D]"))
    if sep != "-":
        text = np.char.replace(text, "-", sep)
    return [
        t if d != NO_DAY else missing for t, d in zip(text.tolist(), days.tolist(), strict=True)
    ]


def iso_times(days: IntArray, seconds: IntArray, fmt: str = "T", missing: str = "") -> list[str]:
    """Date-times: fmt ``T`` -> ``YYYY-MM-DDTHH:MM:SS``, ``space`` -> with a space,
    ``hl7`` -> ``YYYYMMDDHHMMSS``, ``minutes`` -> ``YYYY-MM-DD HH:MM``."""
    days = np.asarray(days, dtype=np.int64)
    if not len(days):
        return []
    stamp = np.where(days == NO_DAY, 0, days).astype("datetime64[D]").astype(
        "datetime64[s]"
    ) + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
    text = np.datetime_as_string(stamp, unit="s")
    if fmt == "space":
        text = np.char.replace(text, "T", " ")
    elif fmt == "hl7":
        text = np.char.replace(np.char.replace(np.char.replace(text, "-", ""), ":", ""), "T", "")
    elif fmt == "minutes":
        text = np.char.replace(np.char.ljust(text, 16).astype("<U16"), "T", " ")
    return [
        t if d != NO_DAY else missing for t, d in zip(text.tolist(), days.tolist(), strict=True)
    ]


@cache
def agency_date(day: int) -> str:
    """``YYYY-MM-DD`` of one day number (cached: a run uses a few thousand days)."""
    return to_date(day).isoformat()


def agency_stamp(day: int, second: int) -> str:
    """The agency's date-time: ``YYYY-MM-DDTHH:MM:SS+08:00`` (China Standard Time)."""
    h, rest = divmod(int(second), 3600)
    return f"{agency_date(int(day))}T{h:02d}:{rest // 60:02d}:{rest % 60:02d}+08:00"
