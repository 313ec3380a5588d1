"""The identity service the ingest calls after a sync: ports in, golden Patients out.

It implements the ingest's ``Linker`` seam (``link(patient_ids) -> counts``) on top of
four small ports, so the store can plug in later and tests use the in-memory fakes:

* :class:`PatientReader` - source Patients (FHIR JSON) by id, or all of them;
* :class:`GoldenWriter` - where golden Patients and the source Patients' links go;
* :class:`ResolutionState` - the previous run's person rows and resolution (model included),
  whole (for a full relink) or only the part around a change (a :class:`StateView`);
* :class:`~hub.identity.decisions.DecisionLog` - reviewer decisions.

After the first run, new and changed Patients are linked incrementally (only pairs that
involve them are scored, only the clusters they can reach are formed again, with the
stored model); a reviewer's decision re-forms only the clusters it names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hub.identity.decisions import DecisionLog, pair_rulings
from hub.identity.engine import Resolution, resolve
from hub.identity.golden import (
    golden_patient,
    golden_successors,
    replacement_links,
    source_patient_link,
)
from hub.identity.incremental import update
from hub.identity.person import PersonRow, person_row
from hub.identity.settings import IdentitySettings

__all__ = [
    "GoldenWriter",
    "IdentityService",
    "InMemoryGoldenWriter",
    "InMemoryResolutionState",
    "PatientReader",
    "ResolutionState",
    "StateView",
    "totals_of",
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


@dataclass(frozen=True, slots=True)
class StateView:
    """The part of the previous run around a change, and the totals of the whole run.

    ``rows`` hold the records named, every record sharing a blocking key (or resident ID)
    with an incoming one, and everything those reach through a cluster, a link, a refused
    link or a reviewer's ruling; ``resolution`` is the previous run restricted to them.
    An incremental run on the view forms the clusters a run on the whole state would.
    """

    rows: list[PersonRow]
    resolution: Resolution
    #: golden_persons, review_queue and quality_issues of the whole run.
    totals: dict[str, int]


def totals_of(resolution: Resolution) -> dict[str, int]:
    """The counts of a resolution that the run report gives."""
    return {
        "golden_persons": len(resolution.clustering.members),
        "review_queue": len({(i.left, i.right) for i in resolution.review_queue}),
        "quality_issues": len(resolution.quality_issues),
    }


class ResolutionState(Protocol):
    """Port: the previous run, so that the next one is incremental."""

    def exists(self) -> bool:
        """Whether there is a previous run."""

    def load(self) -> tuple[list[PersonRow], Resolution] | None:
        """The rows and resolution of the last run, or None before the first."""

    def save(self, rows: list[PersonRow], resolution: Resolution) -> None:
        """Keep this run's rows and resolution (replacing the whole previous run)."""

    def load_around(
        self,
        incoming: Sequence[PersonRow],
        keys: Iterable[str],
        ruled: Iterable[tuple[str, str]],
    ) -> StateView | None:
        """The part of the last run that records ``incoming`` and ``keys`` can reach.

        ``ruled`` are the record pairs reviewers ruled on (they join regions too).
        """

    def save_changes(
        self, view: StateView, rows: list[PersonRow], resolution: Resolution
    ) -> dict[str, int]:
        """Keep what a run on ``view`` changed; returns the whole run's new totals."""


class InMemoryResolutionState:
    """A ResolutionState held in memory: for tests and one-off runs."""

    def __init__(self) -> None:
        """Start empty (the first run is a full one)."""
        self.saved: tuple[list[PersonRow], Resolution] | None = None

    def exists(self) -> bool:
        """Whether a run was saved."""
        return self.saved is not None

    def load(self) -> tuple[list[PersonRow], Resolution] | None:
        """The last saved run."""
        return self.saved

    def save(self, rows: list[PersonRow], resolution: Resolution) -> None:
        """Keep this run."""
        self.saved = (rows, resolution)

    def load_around(
        self,
        incoming: Sequence[PersonRow],
        keys: Iterable[str],
        ruled: Iterable[tuple[str, str]],
    ) -> StateView | None:
        """The whole last run (memory holds it anyway)."""
        if self.saved is None:
            return None
        rows, resolution = self.saved
        return StateView(rows, resolution, totals_of(resolution))

    def save_changes(
        self, view: StateView, rows: list[PersonRow], resolution: Resolution
    ) -> dict[str, int]:
        """Keep the run (the view was all of it)."""
        self.save(rows, resolution)
        return totals_of(resolution)


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
        """Link these new or changed source Patients; returns counts for the run report.

        The first run links everyone. Later runs score only the Patients that are new or
        whose demographics changed, and re-form only the clusters those can reach; an
        unchanged Patient costs a comparison and a look at its golden record.
        """
        incoming = [person_row(p) for p in self.reader.patients(list(patient_ids))]
        view = self.state.load_around(incoming, patient_ids, self._ruled())
        if view is None:
            return self.relink_all()
        old = view.resolution
        before = {r.record_key: r for r in view.rows}
        changed = [r for r in incoming if before.get(r.record_key) != r]
        if not changed:  # a re-sync of what is known: only the links on the sources
            return self._counts(view.totals, self._write(old, old, patient_ids, ()), 0)
        result = update(
            view.rows, changed, previous=old, decisions=self.decisions, settings=self.settings
        )
        written = self._write(result.resolution, old, patient_ids, result.region)
        totals = self.state.save_changes(view, result.rows, result.resolution)
        return self._counts(totals, written, len(result.region))

    def relink_all(self) -> dict[str, int]:
        """Link every source Patient afresh (with the stored model, when there is one)."""
        previous = self.state.load()
        rows = [person_row(p) for p in self.reader.patients(None)]
        model = previous[1].model if previous else None
        resolution = resolve(rows, decisions=self.decisions, settings=self.settings, model=model)
        everyone = [r.record_key for r in rows]
        written = self._write(resolution, previous[1] if previous else None, everyone, ())
        self.state.save(rows, resolution)
        return self._counts(totals_of(resolution), written, len(rows))

    def apply_decisions(self, record_keys: Sequence[str]) -> dict[str, int]:
        """Re-form the clusters of records a reviewer just ruled on; nothing is scored.

        Before the first run there is nothing to re-form: the decision waits in the log
        and the first run follows it.
        """
        view = self.state.load_around([], record_keys, self._ruled())
        if view is None:
            return {}
        result = update(
            view.rows,
            [],
            previous=view.resolution,
            decisions=self.decisions,
            settings=self.settings,
            seeds=record_keys,
        )
        written = self._write(result.resolution, view.resolution, (), result.region)
        totals = self.state.save_changes(view, result.rows, result.resolution)
        return self._counts(totals, written, len(result.region))

    def _ruled(self) -> list[tuple[str, str]]:
        """The record pairs reviewers ruled on (a ruling joins the regions of its records)."""
        return list(pair_rulings(self.decisions.decisions()))

    @staticmethod
    def _counts(totals: dict[str, int], written: int, relinked: int) -> dict[str, int]:
        """The run report's counts."""
        return {
            "golden_persons": totals["golden_persons"],
            "golden_written": written,
            "records_relinked": relinked,
            "review_queue": totals["review_queue"],
            "quality_issues": totals["quality_issues"],
        }

    def _write(
        self,
        resolution: Resolution,
        previous: Resolution | None,
        patient_ids: Iterable[str],
        region: Iterable[str],
    ) -> int:
        """Write golden Patients of these records' clusters (and retire replaced ones)."""
        clustering = resolution.clustering
        keys = [k for k in dict.fromkeys([*patient_ids, *region]) if k in clustering.cluster_of]
        successors = (
            golden_successors(previous.clustering, clustering, among=keys) if previous else {}
        )
        touched = {clustering.cluster_of[k] for k in keys} | set(successors.values())
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
