"""A page of records as a pandas frame the raw suites can read, with derived columns.

Records arrive parsed (``SourceRecord``) from the ingest or as landed payload dicts (from the
landing table); both become the same frame: codes as text, empty text as missing, dates and
times as sortable integers ``yyyymmddHHMMSS`` (so 2999 and 1899 compare without overflowing
pandas' timestamp range), and derived truth columns for what no built-in expectation can
compute (resident ID check digit, scale items and totals, lists of codes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env
import pyarrow as pa  # type: ignore[import-untyped]  # no stubs; pandas' text backend
import pyarrow.compute as pc  # type: ignore[import-untyped]

from hub.domain.identifiers import is_valid_resident_id
from hub.domain.records import SourceRecord
from hub.domain.scales import ScaleItemError, score_bprs, score_panss, score_sdss, score_ssrs
from validation.suites import KindSuite

__all__ = ["derived_column", "page_frame"]

_SCORERS = {"SSRS": score_ssrs, "SDSS": score_sdss, "BPRS": score_bprs, "PANSS": score_panss}


def derived_column(name: str) -> str:
    """Name of a derived column (cannot clash with a source field)."""
    return f"__{name}"


def _rows(records: Sequence[SourceRecord | Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r.__dict__ if isinstance(r, SourceRecord) else r for r in records]


def _as_text(column: pd.Series) -> pd.Series:
    # Arrow-backed text: strip, empty -> missing, and every later string operation, vectorised.
    text = column.astype("str").str.strip()
    return text.where(text != "")


def _as_instant(column: pd.Series) -> pd.Series:
    digits = column.astype("str").str.replace(r"\D", "", regex=True).str.slice(0, 14)
    digits = digits.str.pad(14, side="right", fillchar="0").where(digits.str.len() >= 8)
    return pd.to_numeric(digits, errors="coerce").astype("float64")


def _codes_known(column: pd.Series, allowed: frozenset[str]) -> pd.Series:
    """Per record: are all numbered entries of a code list known (missing list: missing)?"""
    # A list arrives as a list or as comma-joined text: explode lists to one row an entry
    # (indexed by record), split text with pyarrow, and judge every entry at once. Numbered
    # entries are the form's tick boxes and must be known; free text (a measure described
    # in words) is left to the mapping.
    exploded = column.explode()
    text = pa.array(exploded.astype("str").fillna(""), type=pa.large_string())
    parts = pc.split_pattern(text, ",")
    entries = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    unknown = pc.and_(pc.utf8_is_digit(entries), pc.invert(pc.is_in(entries, pa.array(allowed))))
    owner = exploded.index.to_numpy()[pc.list_parent_indices(parts).to_numpy()]
    bad = pd.Series(unknown.to_numpy(zero_copy_only=False), index=owner)
    known = ~bad.groupby(level=0).any().reindex(column.index, fill_value=False)
    return known.astype("boolean").where(column.notna())


def _scale_verdicts(scale: object, items: object, reported: object) -> tuple[bool | None, ...]:
    scorer = _SCORERS.get(str(scale)) if scale is not None else None
    if scorer is None or not isinstance(items, Mapping):
        return (None, None)
    try:
        score = scorer(items)
    except (ScaleItemError, TypeError, ValueError):
        return (False, None)
    if not isinstance(reported, int | float) or reported != reported or score.total is None:
        return (True, None)
    return (True, int(reported) == score.total)


def page_frame(
    suite: KindSuite, records: Sequence[SourceRecord | Mapping[str, Any]]
) -> pd.DataFrame:
    """The frame of one page of one record kind, row ``i`` being ``records[i]``."""
    rows = _rows(records)
    # Only the fields the suite reads: building the frame is most of a page's cost.
    present: set[str] = set()
    for row in rows:  # not set().union(*views): a view per row held at once wakes the GC
        present.update(row)
    wanted = [*suite.columns, *suite.code_lists, "scale", "items", "reported_total"]
    names = [n for n in dict.fromkeys(wanted) if n in present]
    frame = pd.DataFrame(rows, columns=names)
    for name in (suite.key, *suite.required, *suite.codes, *suite.code_patterns, *suite.text):
        if name in frame:
            frame[name] = _as_text(frame[name])
    for name in suite.dates:
        if name in frame:
            frame[name] = _as_instant(frame[name])
    for name in suite.ranges:
        if name in frame:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name, allowed in suite.code_lists.items():
        if name in frame:
            if not isinstance(allowed, tuple):
                raise TypeError(f"{suite.kind}.{name}: resolve the suite's code tables first")
            frame[derived_column(name)] = _codes_known(frame[name], frozenset(allowed))
    if suite.person and "resident_id" in frame:
        frame[derived_column("resident_id")] = frame["resident_id"].map(
            lambda v: None if v is None or v != v or v == "" else is_valid_resident_id(str(v))
        )
    if suite.scale and {"scale", "items"} <= set(frame.columns):
        reported = frame["reported_total"] if "reported_total" in frame else [None] * len(frame)
        verdicts = [
            _scale_verdicts(s, i, t)
            for s, i, t in zip(frame["scale"], frame["items"], reported, strict=True)
        ]
        frame[derived_column("scale_items")] = [v[0] for v in verdicts]
        frame[derived_column("scale_total")] = [v[1] for v in verdicts]
    return frame.reset_index(drop=True)
