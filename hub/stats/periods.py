"""Reporting periods (month, quarter, year) with first and last day inclusive. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Period", "parse_period", "periods_within"]


@dataclass(frozen=True)
class Period:
    """A reporting period; `pieces` are the calendar quarters (or the month) inside it."""

    kind: str  # month | quarter | year
    label: str  # 2026-10 | 2026-Q4 | 2026
    first: date
    last: date

    def pieces(self) -> list[tuple[date, date]]:
        """The calendar-quarter pieces of the period (a month is its own piece)."""
        if self.kind == "month":
            return [(self.first, self.last)]
        out = []
        start = self.first
        while start <= self.last:
            end = _month_end(start, 3)
            out.append((start, min(end, self.last)))
            start = end + timedelta(days=1)
        return out


def _month_end(first: date, months: int) -> date:
    year, month = divmod(first.month - 1 + months, 12)
    return date(first.year + year, month + 1, 1) - timedelta(days=1)


def parse_period(label: str) -> Period:
    """`2026-10` (month), `2026-Q4` (quarter) or `2026` (year); ValueError otherwise."""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        first = date(int(m[1]), int(m[2]), 1)
        return Period("month", label, first, _month_end(first, 1))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        first = date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return Period("quarter", label, first, _month_end(first, 3))
    if re.fullmatch(r"\d{4}", label):
        return Period("year", label, date(int(label), 1, 1), date(int(label), 12, 31))
    raise ValueError(f"period {label!r} is not YYYY-MM, YYYY-Qn or YYYY")


def periods_within(
    start: date, end: date, kinds: tuple[str, ...] = ("month", "year")
) -> list[Period]:
    """Every period of the given kinds lying wholly within [start, end]."""
    out: list[Period] = []
    for kind in kinds:
        step = {"month": 1, "quarter": 3, "year": 12}[kind]
        first = date(start.year, 1, 1)
        while first <= end:
            last = _month_end(first, step)
            if first >= start and last <= end:
                label = {
                    "month": f"{first:%Y-%m}",
                    "quarter": f"{first.year}-Q{(first.month + 2) // 3}",
                    "year": str(first.year),
                }[kind]
                out.append(Period(kind, label, first, last))
            first = last + timedelta(days=1)
    return out
