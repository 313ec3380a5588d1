"""The rule frame: a page's checked values stacked into one lane per rule.

Great Expectations costs little per row and a lot per expectation and validation: the
follow-up suite, one expectation per column and rule (about sixty), spent some 0.3 s on a
500-row page before it read a value. Stacking the fields one rule applies to (every coded
field, every date, every free text) into one column keeps the same checks over the same
values and makes a suite at most a dozen expectations long, however many fields it names.

Row ``r`` of the frame is record ``r % n`` of the page in slot ``r // n`` of every lane:
slot ``j`` of the ``code`` lane holds the ``j``-th coded field of the suite. Lanes shorter
than the longest are padded with missing values, which every expectation skips. Codes are
written ``field=value`` so that one value set holds every field's own codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from validation.frames import derived_column
from validation.suites import KindSuite

__all__ = ["LANE_COLUMNS", "Lanes", "Layout", "Slot", "layout_of", "stack"]

#: The frame columns each lane fills, in the order the lane's expectations read them.
LANE_COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("key",),
    "required": ("present",),
    "code": ("code",),
    "pattern": ("pattern",),
    "truth": ("truth",),
    "range": ("number", "low", "high"),
    "date": ("instant",),
    "order": ("earlier", "later"),
    "encoding": ("text",),
}
#: The derived truth column a finding names by its source field.
_TRUTH_FIELD = {"scale_items": "items", "scale_total": "reported_total"}


@dataclass(frozen=True)
class Slot:
    """One field under one rule: what a finding names, and the page columns it reads."""

    field: str
    rule: str
    sources: tuple[str, ...]  # an absent source means the check cannot run on the page
    bounds: tuple[float, float] = (0.0, 0.0)  # the allowed range (range lane only)


@dataclass(frozen=True)
class Layout:
    """The slots of each lane for one record kind (fixed per suite, built once)."""

    suite: KindSuite
    lanes: dict[str, tuple[Slot, ...]]

    @property
    def width(self) -> int:
        """The number of slots of the widest lane."""
        return max((len(s) for s in self.lanes.values()), default=0)


def _truth_slots(suite: KindSuite) -> tuple[Slot, ...]:
    named = [(c, "code") for c in suite.code_lists]
    named += [("resident_id", "resident_id")] if suite.person else []
    named += [("scale_items", "scale_items"), ("scale_total", "scale_total")] if suite.scale else []
    return tuple(Slot(_TRUTH_FIELD.get(c, c), rule, (derived_column(c),)) for c, rule in named)


def layout_of(suite: KindSuite) -> Layout:
    """The lanes of a suite, slots in declaration order (empty lanes left out)."""
    lanes = {
        "key": (Slot(suite.key, "key_unique", (suite.key,)),),
        "required": tuple(Slot(c, "required", (c,)) for c in suite.required),
        "code": tuple(Slot(c, "code", (c,)) for c in suite.codes),
        "pattern": tuple(Slot(c, "code", (c,)) for c in suite.code_patterns),
        "truth": _truth_slots(suite),
        "range": tuple(Slot(c, "range", (c,), b) for c, b in suite.ranges.items()),
        "date": tuple(Slot(c, "date_range", (c,)) for c in suite.dates),
        "order": tuple(Slot(b, "order", (a, b)) for a, b in suite.order),
        "encoding": tuple(Slot(c, "encoding", (c,)) for c in suite.text),
    }
    return Layout(suite, {name: slots for name, slots in lanes.items() if slots})


@dataclass(frozen=True)
class Lanes:
    """One page's rule frame, with the rows each slot checked (non-missing values)."""

    frame: pd.DataFrame
    records: int
    checked: dict[tuple[str, int], int]


#: The dtype of each frame column: arrow text, nullable booleans or floats (NaN missing).
_DTYPES = {"code": "str", "pattern": "str", "key": "str", "text": "str", "column": "str"}
_DTYPES |= {"present": "boolean", "truth": "boolean"}


def _source(frame: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    if name not in frame:
        return pd.Series(pd.NA if dtype == "boolean" else None, index=frame.index, dtype=dtype)
    return frame[name].astype(dtype)


def _slot_values(column: str, slot: Slot, frame: pd.DataFrame) -> pd.Series:
    """The values one slot puts into one column of its lane (length: the page's records)."""
    dtype = _DTYPES.get(column, "float64")
    if column in ("low", "high"):
        return pd.Series(float(slot.bounds[column == "high"]), index=frame.index)
    if column in ("earlier", "later"):
        return _source(frame, slot.sources[column == "later"], dtype)
    if column in ("code", "pattern"):
        return (slot.field + "=") + _source(frame, slot.field, "str")
    if column == "present":
        return (
            frame[slot.field].notna().astype(dtype)
            if slot.field in frame
            else _source(frame, slot.field, dtype)
        )
    return _source(frame, slot.sources[0], dtype)


def _column(parts: list[pd.Series], length: int, dtype: str) -> pd.Series:
    """Slots one after the other, padded with missing values to the frame's length."""
    used = sum(len(p) for p in parts)
    pad = pd.Series(pd.NA if dtype == "boolean" else None, index=range(length - used), dtype=dtype)
    return pd.concat([*parts, pad], ignore_index=True).astype(dtype)


def stack(layout: Layout, frame: pd.DataFrame) -> Lanes:
    """The rule frame of one page's (wide) frame."""
    n = len(frame)
    length = max(n * layout.width, len(frame.columns), 1)
    names = pd.Series(list(frame.columns), dtype="str")
    columns: dict[str, pd.Series] = {"column": _column([names], length, "str")}
    checked: dict[tuple[str, int], int] = {}
    for lane, slots in layout.lanes.items():
        for column in LANE_COLUMNS[lane]:
            parts = [_slot_values(column, slot, frame) for slot in slots]
            columns[column] = _column(parts, length, _DTYPES.get(column, "float64"))
        for j in range(len(slots)):
            checked[(lane, j)] = n if lane == "required" else _count(lane, columns, j, n)
    return Lanes(pd.DataFrame(columns), n, checked)


def _count(lane: str, columns: dict[str, pd.Series], j: int, n: int) -> int:
    """Values a slot really checks: expectations skip missing ones (pairs: either missing)."""
    rows = slice(j * n, (j + 1) * n)
    mask = columns[LANE_COLUMNS[lane][0]].iloc[rows].notna()
    if lane == "order":
        mask &= columns["later"].iloc[rows].notna()
    return int(mask.sum())
