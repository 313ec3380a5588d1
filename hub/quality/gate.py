"""The ingest's quality gate: raw suites per page, FHIR checks per record, tallies per run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.domain.records import SourceRecord
from hub.ingest.seams import Finding
from hub.quality.service import QualityRun, save_run
from hub.quality.terminology import load_bindings, load_code_tables
from hub.store import FhirStore
from hub.store.documents import utc_now
from validation.catalogue import Catalogue, load_catalogue
from validation.fhir import FhirChecks
from validation.raw import RawChecks
from validation.results import CheckResult, CheckTally, Issue, summarise

__all__ = ["CheckingGate", "load_bindings", "load_code_tables"]

_FHIR_CHECKS = (
    "fhir.structure",
    "fhir.required",
    "fhir.binding",
    "fhir.reference",
    "fhir.orphan_questionnaire_response",
)


def _finding(issue: Issue) -> Finding:
    return Finding(issue.check, issue.severity, issue.message, issue.field)


class CheckingGate:
    """A ``QualityGate`` that runs the validation suites and keeps the run's tallies."""

    def __init__(
        self,
        *,
        bindings: Mapping[str, frozenset[str]] | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        self.catalogue = catalogue or load_catalogue()
        self.raw = RawChecks(self.catalogue, code_tables=load_code_tables())
        self.fhir = FhirChecks(load_bindings() if bindings is None else bindings, self.catalogue)
        # Records FHIR-checked per source, not yet counted in the tallies: counting each
        # record into five tallies cost more than some of the checks themselves.
        self._fhir_checked: dict[str, int] = {}
        self._tallies: dict[tuple[str, str], CheckTally] = {}
        self.started = utc_now()
        self._source_of: dict[int, str] = {}

    @property
    def tallies(self) -> dict[tuple[str, str], CheckTally]:
        """Rows checked and failed per (source, check) so far."""
        for source, checked in self._fhir_checked.items():
            for check in _FHIR_CHECKS:
                self._tally(source, check).add(checked, [])
        self._fhir_checked = {}
        return self._tallies

    @tallies.setter
    def tallies(self, value: dict[tuple[str, str], CheckTally]) -> None:
        self._fhir_checked, self._tallies = {}, value

    def _tally(self, source: str, check: str) -> CheckTally:
        return self._tallies.setdefault((source, check), CheckTally(source, check))

    def check_records(self, source: str, records: Sequence[SourceRecord]) -> list[list[Finding]]:
        """Findings per record, in order; one Great Expectations validation per record kind."""
        by_kind: dict[str, list[int]] = {}
        # The pipeline maps a page's records right after checking them: only this page's
        # records need their source remembered for ``check_resources``.
        self._source_of = {}
        for i, record in enumerate(records):
            by_kind.setdefault(record.kind, []).append(i)
            self._source_of[id(record)] = source
        findings: list[list[Finding]] = [[] for _ in records]
        for kind, positions in by_kind.items():
            outcome = self.raw.check(source, kind, [records[i] for i in positions])
            for tally in outcome.tallies:
                self._tally(source, tally.check).merge(tally)
            for i, issues in zip(positions, outcome.issues, strict=True):
                findings[i] = [_finding(issue) for issue in issues]
        return findings

    def check_resources(
        self,
        record: SourceRecord,
        resources: Sequence[dict[str, Any]],
        *,
        validated: bool = False,
        text: bytes | None = None,
    ) -> list[Finding]:
        """Findings on the FHIR resources one record became (``text``: their JSON, if made)."""
        source = self._source_of.pop(id(record), record.kind.split(".")[0])
        kind = record.kind.split(".")[0]
        issues = self.fhir.check(record, kind, resources, structure_validated=validated, text=text)
        self._fhir_checked[source] = self._fhir_checked.get(source, 0) + 1
        if not issues:
            return []
        # A tally's first failing keys are its examples: failures are counted right away,
        # in the order they come, and the records checked when the tallies are read.
        for check in dict.fromkeys(issue.check for issue in issues):
            if check in _FHIR_CHECKS:
                self._tally(source, check).add(0, [record.source_key])
        return [_finding(issue) for issue in issues]

    def results(self) -> list[CheckResult]:
        """The run's report rows so far."""
        return summarise(list(self.tallies.values()), self.catalogue)

    def save(self, store: FhirStore) -> QualityRun:
        """Keep what this gate saw as a ``sync`` quality run (call once the sync is over)."""
        return save_run(store, self.results(), kind="sync", source=None, started_at=self.started)
