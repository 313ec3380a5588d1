"""The identity service the ingest calls after a sync: ports in, golden Patients out.

It implements the ingest's ``Linker`` seam (``link(patient_ids) -> counts``) on top of
four small ports, so the store can plug in later and tests use the in-memory fakes:

* :class:`PatientReader` - source Patients (FHIR JSON) by id, or all of them;
* :class:`GoldenWriter` - where golden Patients and the source Patients' links go;
* :class:`ResolutionState` - the previous run's person rows and resolution (model included);
* :class:`~hub.identity.decisions.DecisionLog` - reviewer decisions.

New Patients are linked incrementally (only pairs involving them are scored); when a known
Patient changed, every record is relinked with the stored model (no retraining).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hub.identity.decisions import DecisionLog
from hub.identity.engine import Resolution, link_new, resolve
from hub.identity.golden import (
    golden_patient,
    golden_successors,
    replacement_links,
    source_patient_link,
)
from hub.identity.person import PersonRow, person_row
from hub.identity.settings import IdentitySettings

__all__ = [
    "GoldenWriter",
    "IdentityService",
    "InMemoryGoldenWriter",
    "InMemoryResolutionState",
    "PatientReader",
    "ResolutionState",
]

Patient = dict[str, Any]


class PatientReader(Protocol):
    """Port: source Patients as stored (FHIR JSON dicts)."""

    def patients(self, ids: Sequence[str] | None = None) -> Iterable[Patient]:
        """The source Patients with these ids, or every source Patient when ids is None."""


class GoldenWriter(Protocol):
    """Port: where the golden Patients and the source Patients' links are written."""

    def write_golden(self, patients: Sequence[Patient]) -> None:
        """Create or replace golden Patients (by id)."""

    def write_source_links(self, links: dict[str, dict[str, Any]]) -> None:
        """Set, per source Patient id, its link to its golden Patient."""


class ResolutionState(Protocol):
    """Port: the previous run, so that the next one is incremental."""

    def load(self) -> tuple[list[PersonRow], Resolution] | None:
        """The rows and resolution of the last run, or None before the first."""

    def save(self, rows: list[PersonRow], resolution: Resolution) -> None:
        """Keep this run's rows and resolution."""


class InMemoryResolutionState:
    """A ResolutionState held in memory: for tests and one-off runs."""

    def __init__(self) -> None:
        """Start empty (the first run is a full one)."""
        self.saved: tuple[list[PersonRow], Resolution] | None = None

    def load(self) -> tuple[list[PersonRow], Resolution] | None:
        """The last saved run."""
        return self.saved

    def save(self, rows: list[PersonRow], resolution: Resolution) -> None:
        """Keep this run."""
        self.saved = (rows, resolution)


class InMemoryGoldenWriter:
    """A GoldenWriter that keeps what it is given: for tests."""

    def __init__(self) -> None:
        """Start with nothing written."""
        self.golden: dict[str, Patient] = {}
        self.source_links: dict[str, dict[str, Any]] = {}

    def write_golden(self, patients: Sequence[Patient]) -> None:
        """Keep golden Patients by id."""
        self.golden.update({p["id"]: p for p in patients})

    def write_source_links(self, links: dict[str, dict[str, Any]]) -> None:
        """Keep the source Patients' links."""
        self.source_links.update(links)


@dataclass
class IdentityService:
    """Links source Patients to golden persons; the ingest's ``Linker``."""

    reader: PatientReader
    writer: GoldenWriter
    state: ResolutionState
    decisions: DecisionLog
    settings: IdentitySettings

    def link(self, patient_ids: Sequence[str]) -> dict[str, int]:
        """Link these new or changed source Patients; returns counts for the run report."""
        incoming = [person_row(p) for p in self.reader.patients(list(patient_ids))]
        previous = self.state.load()
        rows, resolution = self._resolve(incoming, previous)
        touched = self._write(resolution, previous[1] if previous else None, patient_ids)
        self.state.save(rows, resolution)
        return {
            "golden_persons": len(resolution.clustering.members),
            "golden_written": touched,
            "review_queue": len(resolution.review_queue),
            "quality_issues": len(resolution.quality_issues),
        }

    def _resolve(
        self, incoming: list[PersonRow], previous: tuple[list[PersonRow], Resolution] | None
    ) -> tuple[list[PersonRow], Resolution]:
        """Incremental when only new Patients arrived, else a full run."""
        if previous is None:
            rows = [person_row(p) for p in self.reader.patients(None)]
            return rows, resolve(rows, decisions=self.decisions, settings=self.settings)
        old_rows, old = previous
        known = {r.record_key for r in old_rows}
        if not any(r.record_key in known for r in incoming):
            resolution = link_new(
                old_rows, incoming, previous=old, decisions=self.decisions, settings=self.settings
            )
            return [*old_rows, *incoming], resolution
        changed = {r.record_key: r for r in incoming}
        rows = [changed.pop(r.record_key, r) for r in old_rows] + list(changed.values())
        resolution = resolve(
            rows, decisions=self.decisions, settings=self.settings, model=old.model
        )
        return rows, resolution

    def _write(
        self,
        resolution: Resolution,
        previous: Resolution | None,
        patient_ids: Sequence[str],
    ) -> int:
        """Write golden Patients of the clusters the run touched; returns how many."""
        clustering = resolution.clustering
        successors = golden_successors(previous.clustering, clustering) if previous else {}
        touched = {clustering.cluster_of[k] for k in patient_ids if k in clustering.cluster_of}
        touched |= set(successors.values())
        if previous is None:
            touched = set(clustering.members)
        members = [k for g in touched for k in clustering.members[g]]
        by_id = {p["id"]: p for p in self.reader.patients(members)}
        golden = []
        for gid in sorted(touched):
            sources = [by_id[k] for k in clustering.members[gid] if k in by_id]
            if not sources:
                continue  # the reader no longer has them: nothing to build from
            patient = golden_patient(gid, sources)
            replaced = [old for old, new in successors.items() if new == gid]
            patient["link"] += [replacement_links(old, gid)[1] for old in sorted(replaced)]
            golden.append(patient)
        for old, new in sorted(successors.items()):
            retired = {"resourceType": "Patient", "id": old, "active": False}
            golden.append(retired | {"link": [replacement_links(old, new)[0]]})
        self.writer.write_golden(golden)
        self.writer.write_source_links(
            {k: source_patient_link(clustering.cluster_of[k]) for k in members}
        )
        return len(golden)
