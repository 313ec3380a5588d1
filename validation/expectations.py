"""The Great Expectations expectations of a suite: one or two per lane of the rule frame.

Each expectation reads one lane of ``validation.lanes`` (every field a rule applies to,
stacked), so a suite holds at most a dozen expectations whatever the number of fields.
Codes are checked as ``field=value`` tokens against one value set; code patterns as one
anchored alternation that keeps each field's own pattern; ranges as two column-pair
comparisons against the per-field bounds stacked beside the values.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from validation.lanes import Layout
from validation.suites import DATE_MAX, DATE_MIN, KindSuite

__all__ = ["MOJIBAKE", "expectations"]

#: Latin-1 lead byte followed by a continuation byte: UTF-8 text decoded as Latin-1.
MOJIBAKE = r"[\u00c2-\u00f4][\u0080-\u00bf]"
#: Pairs compare only where both values are present (a missing date is another rule's).
_PAIR = {"or_equal": True, "ignore_row_if": "either_value_is_missing"}


def _instant(day: str) -> float:
    return float(day.replace("-", "") + "000000")


def _one_pattern(suite: KindSuite) -> str:
    """One anchored pattern over ``field=value`` tokens: each field keeps its own pattern."""
    bodies = (
        f"{re.escape(c)}=(?:{p.removeprefix('^').removesuffix('$')})"
        for c, p in suite.code_patterns.items()
    )
    return f"^(?:{'|'.join(bodies)})$"


def _listed(codes: object) -> tuple[str, ...]:
    if not isinstance(codes, tuple):
        raise TypeError("a suite's table declarations must be resolved (suites.resolve) first")
    return codes


def _lane(gxe: Any, lane: str, suite: KindSuite) -> list[Any]:
    """The expectations over one lane."""
    if lane == "columns":
        return [
            gxe.ExpectColumnDistinctValuesToContainSet(column="column", value_set=suite.columns)
        ]
    if lane == "key":
        return [gxe.ExpectColumnValuesToBeUnique(column="key")]
    if lane in ("required", "truth"):
        column = "present" if lane == "required" else "truth"
        return [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=[True])]
    if lane == "code":
        tokens = [f"{c}={v}" for c, values in suite.codes.items() for v in _listed(values)]
        return [gxe.ExpectColumnValuesToBeInSet(column="code", value_set=tokens)]
    if lane == "pattern":
        return [gxe.ExpectColumnValuesToMatchRegex(column="pattern", regex=_one_pattern(suite))]
    if lane == "range":
        return [
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="number", column_B="low", **_PAIR),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="high", column_B="number", **_PAIR
            ),
        ]
    if lane == "date":
        low, high = _instant(DATE_MIN), _instant(DATE_MAX)
        return [gxe.ExpectColumnValuesToBeBetween(column="instant", min_value=low, max_value=high)]
    if lane == "order":
        return [
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="later", column_B="earlier", **_PAIR
            )
        ]
    if lane == "encoding":
        return [gxe.ExpectColumnValuesToNotMatchRegex(column="text", regex=MOJIBAKE)]
    raise KeyError(f"no expectations for lane {lane!r}")


def expectations(layout: Layout) -> list[tuple[str, Any]]:
    """(lane, expectation) for the column check and every lane of a kind's layout."""
    # Loaded by name: the package re-exports its expectations without an __all__.
    gxe: Any = importlib.import_module("great_expectations.expectations")
    lanes = ["columns", *layout.lanes]
    return [(lane, e) for lane in lanes for e in _lane(gxe, lane, layout.suite)]
