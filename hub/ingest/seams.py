"""The stages other packages fill in: quality checks and identity linkage.

The pipeline's order is fixed (pull and land, raw checks, map, FHIR checks, store, link);
these protocols are the seams where ``validation`` and ``hub.identity`` plug in. The
defaults check nothing and link nothing, so the pipeline runs before they exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from hub.domain.records import SourceRecord

__all__ = ["Finding", "Linker", "NoChecks", "NoLinking", "QualityGate", "WorkerGate"]

Severity = Literal["fatal", "warning"]


@dataclass(frozen=True)
class Finding:
    """One check's verdict on one record: fatal findings quarantine the record."""

    check: str  # check id, e.g. "station.follow_up.risk_level_range"
    severity: Severity
    message: str  # what a person must know to fix it; never a resident ID or phone
    field: str | None = None


class QualityGate(Protocol):
    """Checks on parsed records (raw checks) and on their FHIR resources (FHIR checks)."""

    def check_records(self, source: str, records: Sequence[SourceRecord]) -> list[list[Finding]]:
        """Findings per record, in order, for a page of parsed records of one source."""

    def check_resources(
        self,
        record: SourceRecord,
        resources: Sequence[dict[str, Any]],
        *,
        validated: bool = False,
        text: bytes | None = None,
    ) -> list[Finding]:
        """Findings on the FHIR resources one record became.

        ``validated``: the resources were built through the R4B models (the mappings do),
        so parsing their structure again would repeat the same check. ``text``: the
        resources as compact JSON text (``validation.links.resources_text``), when the
        caller made it: a gate that reads the JSON text need not dump them again.
        """

    def save(self, store: Any) -> object:
        """Keep what the gate saw during the sync as a quality run (called once at the end)."""


@runtime_checkable
class WorkerGate(Protocol):
    """A gate whose copies in worker processes hand their tallies back to the sync's gate."""

    def drain(self) -> object:
        """What this copy tallied since the last drain (picklable); it then starts afresh."""

    def absorb(self, tallied: object) -> None:
        """Add what a copy drained."""


class NoChecks:
    """The gate that lets everything through (before the quality layer is configured)."""

    def check_records(self, source: str, records: Sequence[SourceRecord]) -> list[list[Finding]]:
        """No findings."""
        return [[] for _ in records]

    def check_resources(
        self,
        record: SourceRecord,
        resources: Sequence[dict[str, Any]],
        *,
        validated: bool = False,
        text: bytes | None = None,
    ) -> list[Finding]:
        """No findings."""
        return []

    def save(self, store: Any) -> object:
        """Nothing to keep."""
        return None


class Linker(Protocol):
    """Identity linkage after a sync stored new or changed source Patients."""

    def link(self, patient_ids: Sequence[str]) -> dict[str, int]:
        """Link these source Patients to golden persons; returns counts for the run report."""


class NoLinking:
    """Leaves source Patients unlinked (before identity resolution is configured)."""

    def link(self, patient_ids: Sequence[str]) -> dict[str, int]:
        """Nothing linked."""
        return {}
