"""Raw-extract checks with Great Expectations: one validation per page, verdicts per record.

Great Expectations is imported on first use (its import costs seconds), runs in an ephemeral
context with a pandas data source (no files, no network), and validates a whole page at once
with ``result_format`` COMPLETE, whose ``unexpected_index_list`` names the failing rows; those
are turned into per-record issues and per-check tallies.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from hub.domain.records import SourceRecord
from validation.catalogue import Catalogue, load_catalogue
from validation.frames import derived_column, page_frame
from validation.results import CheckTally, Issue
from validation.suites import DATE_MAX, DATE_MIN, SUITE_VERSION, SUITES, KindSuite

__all__ = ["RawChecks", "RawOutcome"]

#: Latin-1 lead byte followed by a continuation byte: UTF-8 text decoded as Latin-1.
_MOJIBAKE = r"[\u00c2-\u00f4][\u0080-\u00bf]"
#: Fields whose values never appear in a message (personal data).
_QUIET = frozenset({"resident_id", "phone", "guardian_phone", "name", "guardian_name", "address"})


#: The source field a derived truth column speaks about.
_TRUTH_FIELD = {"scale_items": "items", "scale_total": "reported_total"}


def _instant(day: str) -> float:
    return float(day.replace("-", "") + "000000")


@dataclass(frozen=True)
class RawOutcome:
    """Issues per record (in order) and the tallies of one page."""

    issues: list[list[Issue]]
    tallies: list[CheckTally]


def _expectations(suite: KindSuite) -> list[tuple[str, str, Any]]:
    """(field, rule, expectation) for every declared rule of a suite."""
    # Loaded by name: the package re-exports its expectations without an __all__.
    gxe: Any = importlib.import_module("great_expectations.expectations")

    out: list[tuple[str, str, Any]] = [
        (c, "columns", gxe.ExpectColumnToExist(column=c)) for c in suite.columns
    ]
    out.append((suite.key, "key_unique", gxe.ExpectColumnValuesToBeUnique(column=suite.key)))
    out += [(c, "required", gxe.ExpectColumnValuesToNotBeNull(column=c)) for c in suite.required]
    out += [
        (c, "code", gxe.ExpectColumnValuesToBeInSet(column=c, value_set=list(v)))
        for c, v in suite.codes.items()
    ]
    out += [
        (c, "code", gxe.ExpectColumnValuesToMatchRegex(column=c, regex=p))
        for c, p in suite.code_patterns.items()
    ]
    truth = [*suite.code_lists, *(["resident_id"] if suite.person else [])]
    truth_rules = {**dict.fromkeys(suite.code_lists, "code"), "resident_id": "resident_id"}
    if suite.scale:
        truth += ["scale_items", "scale_total"]
        truth_rules |= {"scale_items": "scale_items", "scale_total": "scale_total"}
    out += [
        (
            _TRUTH_FIELD.get(c, c),
            truth_rules[c],
            gxe.ExpectColumnValuesToBeInSet(column=derived_column(c), value_set=[True]),
        )
        for c in truth
    ]
    out += [
        (c, "range", gxe.ExpectColumnValuesToBeBetween(column=c, min_value=lo, max_value=hi))
        for c, (lo, hi) in suite.ranges.items()
    ]
    low, high = _instant(DATE_MIN), _instant(DATE_MAX)
    out += [
        (
            c,
            "date_range",
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=low, max_value=high),
        )
        for c in suite.dates
    ]
    out += [
        (
            later,
            "order",
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=later,
                column_B=earlier,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        )
        for earlier, later in suite.order
    ]
    out += [
        (c, "encoding", gxe.ExpectColumnValuesToNotMatchRegex(column=c, regex=_MOJIBAKE))
        for c in suite.text
    ]
    return out


class _Engine:
    """The ephemeral Great Expectations context with one suite per record kind.

    One per process (``_engine``): GX keeps its ephemeral context as a process-wide project,
    so a second engine would meet the first one's suites and data sources by name.
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
        self.source = self.context.data_sources.add_pandas(self.prefix)
        self.batches: dict[str, Any] = {}
        self.suites: dict[str, Any] = {}

    def suite(self, kind: str) -> tuple[Any, Any]:
        """The batch definition and the GX suite of a kind, built on first use."""
        if kind not in self.suites:
            suite = self.gx.ExpectationSuite(name=f"{self.prefix}.{kind}.{SUITE_VERSION}")
            for field_name, rule, expectation in _expectations(SUITES[kind]):
                # The labels travel with the expectation, so results never rely on order.
                expectation.meta = {"field": field_name, "rule": rule}
                suite.add_expectation(expectation)
            self.suites[kind] = self.context.suites.add(suite)
            asset = self.source.add_dataframe_asset(kind)
            self.batches[kind] = asset.add_batch_definition_whole_dataframe("page")
        return self.batches[kind], self.suites[kind]

    def validate(self, kind: str, frame: pd.DataFrame) -> list[tuple[str, str, Any]]:
        """(field, rule, result) per expectation of the kind's suite over one frame."""
        batch_definition, suite = self.suite(kind)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        validation = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        return [
            (r.expectation_config.meta["field"], r.expectation_config.meta["rule"], r)
            for r in validation.results
        ]


@cache
def _engine() -> _Engine:
    return _Engine()


class RawChecks:
    """Runs the raw suite of a record kind over pages of records or landed payloads."""

    def __init__(self, catalogue: Catalogue | None = None) -> None:
        self.catalogue = catalogue or load_catalogue()

    @property
    def engine(self) -> _Engine:
        """The Great Expectations engine, started on first use."""
        return _engine()

    def check(
        self, source: str, kind: str, records: Sequence[SourceRecord | Mapping[str, Any]]
    ) -> RawOutcome:
        """Issues per record and tallies per check for one page of one record kind."""
        suite = SUITES.get(kind)
        issues: list[list[Issue]] = [[] for _ in records]
        if suite is None or not records:
            return RawOutcome(issues, [])
        frame = page_frame(suite, records)
        keys = frame[suite.key].astype(str).tolist() if suite.key in frame else ["?"] * len(frame)
        tallies: dict[str, CheckTally] = {}
        for field_name, rule, result in self.engine.validate(kind, frame):
            check = f"{kind}.{field_name}.{rule}"
            tally = tallies.setdefault(check, CheckTally(source, check))
            self._attribute(result, frame, keys, field_name, rule, check, tally, issues)
        return RawOutcome(issues, list(tallies.values()))

    def _attribute(
        self,
        result: Any,
        frame: pd.DataFrame,
        keys: list[str],
        field_name: str,
        rule: str,
        check: str,
        tally: CheckTally,
        issues: list[list[Issue]],
    ) -> None:
        severity = self.catalogue.spec(check).severity
        if result.exception_info and any(
            i.get("raised_exception") for i in _exception_infos(result.exception_info)
        ):
            # Fail closed: a check that could not run lets nothing through unflagged.
            tally.add(0, [], errored=True)
            for i in range(len(frame)):
                message = f"record {keys[i]}: check {check} could not run on this page"
                issues[i].append(Issue(check, severity, message, field_name))
            return
        if rule == "columns":
            rows = [] if result.success else list(range(len(frame)))
            checked = len(frame)
        else:
            rows = [int(i) for i in result.result.get("unexpected_index_list") or []]
            checked = len(frame) - int(result.result.get("missing_count") or 0)
            if rule == "required":
                checked = len(frame)
        tally.add(checked, [keys[i] for i in rows])
        for i in rows:
            message = _message(frame, i, keys[i], field_name, rule)
            issues[i].append(Issue(check, severity, message, field_name))


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
