"""Raw-extract checks with Great Expectations: one validation per page, verdicts per record.

Great Expectations is imported on first use (its import costs seconds), runs in an ephemeral
context with a pandas data source (no files, no network), and validates a whole page at once
with ``result_format`` COMPLETE, whose ``unexpected_index_list`` names the failing rows. The
page is validated as its rule frame (``validation.lanes``: one lane per rule, every field the
rule applies to stacked in it), so the suite's cost does not grow with its fields; a failing
row of a lane is turned back into (record, field) and then into issues and tallies.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from hub.domain.records import SourceRecord
from validation.catalogue import Catalogue, load_catalogue
from validation.expectations import expectations
from validation.frames import page_frame
from validation.lanes import Lanes, Layout, Slot, layout_of, stack
from validation.results import CheckTally, Issue
from validation.suites import SUITE_VERSION, SUITES, CodeTables, KindSuite, resolve

__all__ = ["RawChecks", "RawOutcome"]

#: Fields whose values never appear in a message (personal data).
_QUIET = frozenset({"resident_id", "phone", "guardian_phone", "name", "guardian_name", "address"})


@dataclass(frozen=True)
class RawOutcome:
    """Issues per record (in order) and the tallies of one page."""

    issues: list[list[Issue]]
    tallies: list[CheckTally]


class _Engine:
    """The ephemeral Great Expectations context with one suite per record kind.

    One per process (``_engine``): GX keeps its ephemeral context as a process-wide project,
    so a second engine would meet the first one's suites and data sources by name. The data
    source, the one batch definition and each kind's suite are made once and reused by
    every page.
    """

    def __init__(self) -> None:
        import great_expectations as gx

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = {  # type: ignore[assignment]  # a TypedDict
            "globally": False,
            "metric_calculations": False,
        }
        self.prefix = f"carehub-{uuid.uuid4().hex[:8]}"
        source = self.context.data_sources.add_pandas(self.prefix)
        # Every kind's rule frame has the same lanes, so one asset serves them all.
        self.batches = source.add_dataframe_asset(
            "rule_frame"
        ).add_batch_definition_whole_dataframe("page")
        self.suites: dict[str, Any] = {}

    def suite(self, layout: Layout) -> Any:
        """The GX suite of a (resolved) kind suite, built on first use."""
        # Keyed by content: gates built over the same code tables share one GX suite.
        key = repr(layout.suite)
        if key not in self.suites:
            name = f"{self.prefix}.{layout.suite.kind}.{SUITE_VERSION}.{len(self.suites)}"
            suite = self.gx.ExpectationSuite(name=name)
            for lane, expectation in expectations(layout):
                # The lane travels with the expectation, so results never rely on order.
                expectation.meta = {"lane": lane}
                suite.add_expectation(expectation)
            self.suites[key] = self.context.suites.add(suite)
        return self.suites[key]

    def validate(self, layout: Layout, frame: pd.DataFrame) -> list[tuple[str, Any]]:
        """(lane, result) per expectation of the kind's suite over one rule frame."""
        batch = self.batches.get_batch(batch_parameters={"dataframe": frame})
        validation = batch.validate(self.suite(layout), result_format={"result_format": "COMPLETE"})
        return [(r.expectation_config.meta["lane"], r) for r in validation.results]


@cache
def _engine() -> _Engine:
    return _Engine()


class RawChecks:
    """Runs the raw suite of a record kind over pages of records or landed payloads.

    ``code_tables``: the terminology tables the suites' coded fields name (the hub loads
    them from the mappings' data), so a raw check accepts what the mapping can translate.
    """

    def __init__(self, catalogue: Catalogue | None = None, *, code_tables: CodeTables) -> None:
        self.catalogue = catalogue or load_catalogue()
        self.layouts = {kind: layout_of(resolve(s, code_tables)) for kind, s in SUITES.items()}

    @property
    def engine(self) -> _Engine:
        """The Great Expectations engine, started on first use."""
        return _engine()

    def check(
        self, source: str, kind: str, records: Sequence[SourceRecord | Mapping[str, Any]]
    ) -> RawOutcome:
        """Issues per record and tallies per check for one page of one record kind."""
        layout = self.layouts.get(kind)
        if layout is None or not records:
            return RawOutcome([[] for _ in records], [])
        suite = layout.suite
        frame = page_frame(suite, records)
        lanes = stack(layout, frame)
        page = _Page(source, suite, frame, self.catalogue)
        failing: dict[str, set[int]] = {}
        broken: set[str] = set()
        for lane, result in self.engine.validate(layout, lanes.frame):
            if _raised(result):
                broken.add(lane)
            elif lane == "columns":
                seen = {str(c) for c in lanes.frame["column"].dropna()}
                page.columns([c for c in suite.columns if c not in seen])
            else:
                rows = result.result.get("unexpected_index_list") or []
                failing.setdefault(lane, set()).update(int(r) for r in rows)
        if "columns" in broken:
            page.columns(list(suite.columns), errored=True)
        for lane, slots in layout.lanes.items():
            page.lane(lane, slots, lanes, failing.get(lane, set()), broken=lane in broken)
        return RawOutcome(page.issues, list(page.tallies.values()))


class _Page:
    """Turns failing rows of the rule frame into issues per record and tallies per check."""

    def __init__(self, source: str, suite: KindSuite, frame: pd.DataFrame, catalogue: Catalogue):
        self.source, self.suite, self.frame, self.catalogue = source, suite, frame, catalogue
        self.kind = suite.kind
        key = suite.key
        self.keys = frame[key].astype(str).tolist() if key in frame else ["?"] * len(frame)
        self.issues: list[list[Issue]] = [[] for _ in range(len(frame))]
        self.tallies: dict[str, CheckTally] = {}

    def _tally(self, check: str) -> CheckTally:
        return self.tallies.setdefault(check, CheckTally(self.source, check))

    def columns(self, missing: list[str], *, errored: bool = False) -> None:
        """The column check: every record fails for each column the page lacks."""
        for name in self.suite.columns:
            check = f"{self.kind}.{name}.columns"
            if errored:
                self._cannot_run(check, name)
                continue
            rows = list(range(len(self.frame))) if name in missing else []
            self._fail(check, name, "columns", len(self.frame), rows)

    def lane(
        self, lane: str, slots: tuple[Slot, ...], lanes: Lanes, rows: set[int], *, broken: bool
    ) -> None:
        """Each slot of a lane: its failing records, or fail closed when it could not run."""
        n = lanes.records
        by_slot: dict[int, list[int]] = {}
        if rows:
            slot_of, record_of = np.divmod(np.fromiter(sorted(rows), dtype=np.int64), n)
            for j, i in zip(slot_of.tolist(), record_of.tolist(), strict=True):
                by_slot.setdefault(j, []).append(i)
        for j, slot in enumerate(slots):
            check = f"{self.kind}.{slot.field}.{slot.rule}"
            if broken or any(s not in self.frame for s in slot.sources):
                self._cannot_run(check, slot.field)
            else:
                self._fail(
                    check, slot.field, slot.rule, lanes.checked[(lane, j)], by_slot.get(j, [])
                )

    def _fail(self, check: str, field_name: str, rule: str, checked: int, rows: list[int]) -> None:
        severity = self.catalogue.spec(check).severity
        self._tally(check).add(checked, [self.keys[i] for i in rows])
        for i in rows:
            message = _message(self.frame, i, self.keys[i], field_name, rule)
            self.issues[i].append(Issue(check, severity, message, field_name))

    def _cannot_run(self, check: str, field_name: str) -> None:
        # Fail closed: a check that could not run lets nothing through unflagged.
        severity = self.catalogue.spec(check).severity
        self._tally(check).add(0, [], errored=True)
        for i, key in enumerate(self.keys):
            message = f"record {key}: check {check} could not run on this page"
            self.issues[i].append(Issue(check, severity, message, field_name))


def _raised(result: Any) -> bool:
    info = result.exception_info
    return bool(info) and any(i.get("raised_exception") for i in _exception_infos(info))


def _exception_infos(info: Any) -> list[dict[str, Any]]:
    if isinstance(info, dict) and "raised_exception" in info:
        return [info]
    if isinstance(info, dict):
        return [v for v in info.values() if isinstance(v, dict)]
    return []


_WHAT = {
    "columns": "is absent from the extract",
    "key_unique": "occurs more than once in the page",
    "required": "is empty",
    "code": "is not a known code",
    "range": "is outside the allowed range",
    "date_range": "is outside 1900-2100",
    "order": "comes before the value it must follow",
    "encoding": "looks damaged by a wrong text encoding",
    "resident_id": "fails the GB 11643 check digit or birth date",
    "scale_items": "holds an item the scale does not have or a score outside it",
    "scale_total": "disagrees with the sum of the items",
}


def _message(frame: pd.DataFrame, row: int, key: str, field_name: str, rule: str) -> str:
    """A sentence for the steward; source values only where they are codes or numbers."""
    value = ""
    if rule in ("code", "range") and field_name not in _QUIET and field_name in frame:
        value = f" ({frame.at[row, field_name]!r})"
    return f"record {key}: {field_name}{value} {_WHAT[rule]}"
