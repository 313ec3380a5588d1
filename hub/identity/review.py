"""What a data steward does with identity: review possible matches, split, find a person.

Keyword-only service functions over the store adapters; the CLI and the API call these.
Every decision is appended to the decision log first; then only the clusters it names
are formed again (nothing is rescored), so golden Patients reflect the decision at once
and every later sync keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.identity.decisions import ReviewDecision, accept, reject, split
from hub.identity.engine import ReviewItem
from hub.identity.golden import golden_patient
from hub.identity.person import person_row
from hub.identity.scoring import SplinkScorer
from hub.identity.service import IdentityService
from hub.identity.settings import IdentitySettings
from hub.identity.store_adapters import (
    StoreDecisionLog,
    StoreGoldenWriter,
    StorePatientReader,
    StoreResolutionState,
    open_review_queue,
)
from hub.store import FhirStore
from hub.store.documents import utc_now

__all__ = [
    "PatientMatch",
    "StoreLinker",
    "UnknownRecords",
    "decide_pair",
    "find_matches",
    "identity_service",
    "relink",
    "review_queue",
    "split_records",
]

_CANDIDATE = "~match-candidate"  # not a stable id: no stored Patient has this key


def identity_service(store: FhirStore, settings: IdentitySettings) -> IdentityService:
    """The identity service on this store's adapters."""
    return IdentityService(
        StorePatientReader(store),
        StoreGoldenWriter(store),
        StoreResolutionState(store),
        StoreDecisionLog(store),
        settings,
    )


@dataclass
class StoreLinker:
    """The ingest's Linker on the store; defers until the population is big enough to train.

    The ingest links after each source. The first sources of a district may hold too few
    records (or no pair at all) for the model to train; then nothing is linked yet and the
    next source's call trains on everything stored so far, instead of failing the sync.
    """

    service: IdentityService

    def link(self, patient_ids: Sequence[str]) -> dict[str, int]:
        """Link these new or changed source Patients; defer while the model cannot train."""
        from splink.internals.exceptions import SplinkException

        if self.service.state.exists():
            return self.service.link(patient_ids)
        try:
            return self.service.link(patient_ids)
        except SplinkException:
            return {"linking_deferred": len(patient_ids)}


def relink(store: FhirStore, settings: IdentitySettings) -> dict[str, int]:
    """Relink every source Patient afresh (with the stored model, when there is one)."""
    return identity_service(store, settings).relink_all()


class UnknownRecords(LookupError):
    """A decision names records that are not source Patients in the store."""


def _require_sources(store: FhirStore, keys: Sequence[str]) -> None:
    """Refuse a decision about records the store does not hold as source Patients."""
    found = {p["id"] for p in StorePatientReader(store).patients(keys)}
    missing = [k for k in dict.fromkeys(keys) if k not in found]
    if missing:
        raise UnknownRecords(f"No source Patient with id {', '.join(missing)}.")


def review_queue(store: FhirStore) -> list[ReviewItem]:
    """Possible matches waiting for a person, likeliest first."""
    return open_review_queue(store)


def decide_pair(
    store: FhirStore,
    *,
    same_person: bool,
    left: str,
    right: str,
    reviewer: str,
    reason: str,
    settings: IdentitySettings,
) -> ReviewDecision:
    """Record an accept (same person) or reject on a pair, then re-form its clusters.

    Raises UnknownRecords for a record that is not a source Patient and ValueError for a
    pair that is one record twice.
    """
    if left == right:
        raise ValueError("A decision is about two different records.")
    _require_sources(store, [left, right])
    decide = accept if same_person else reject
    log = StoreDecisionLog(store)
    decision = decide(log, left, right, reviewer=reviewer, at=utc_now(), reason=reason)
    identity_service(store, settings).apply_decisions([left, right])
    return decision


def split_records(
    store: FhirStore,
    *,
    groups: Sequence[Sequence[str]],
    reviewer: str,
    reason: str,
    settings: IdentitySettings,
) -> ReviewDecision:
    """Record that these groups of records are different people, then re-form their clusters.

    Raises UnknownRecords for a record that is not a source Patient and ValueError for
    groups that do not make a split (fewer than two, an empty one, a record twice).
    """
    keys = [k for g in groups for k in g]
    _require_sources(store, keys)
    log = StoreDecisionLog(store)
    decision = split(log, groups, reviewer=reviewer, at=utc_now(), reason=reason)
    identity_service(store, settings).apply_decisions(keys)
    return decision


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """A golden Patient that may be the person asked about, with how sure the hub is."""

    patient: dict[str, Any]
    score: float
    #: FHIR match-grade: certain, probable or possible.
    grade: str


def _grade(probability: float, auto_ok: bool, settings: IdentitySettings) -> str:
    """The FHIR match-grade of a probability, by the same thresholds as automatic linking."""
    if probability >= settings.match_threshold and auto_ok:
        return "certain"
    if probability >= settings.review_threshold:
        return "probable"
    return "possible"


def find_matches(
    store: FhirStore,
    patient: dict[str, Any],
    *,
    settings: IdentitySettings,
    count: int | None = None,
    only_certain: bool = False,
) -> list[PatientMatch]:
    """Golden Patients that may be this Patient, best first (needs a linked population).

    Only the stored records sharing a blocking key with the Patient (and their clusters)
    are read: no other record could be scored against it.
    """
    candidate = person_row({**patient, "id": _CANDIDATE})
    view = StoreResolutionState(store).load_around([candidate], [], [])
    if view is None or not view.rows:
        return []
    rows, resolution = view.rows, view.resolution
    with SplinkScorer(settings) as scorer:
        scored = scorer.score_new(
            scorer.register([candidate]), scorer.register(rows), resolution.model
        )
    best: dict[str, tuple[float, bool]] = {}
    for pair in scored:
        other = pair.right if pair.left == _CANDIDATE else pair.left
        golden = resolution.clustering.cluster_of.get(other)
        if golden is None or other == _CANDIDATE:
            continue
        current = best.get(golden)
        if current is None or pair.probability > current[0]:
            best[golden] = (pair.probability, pair.auto_ok)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
    matches = [(gid, p, _grade(p, ok, settings)) for gid, (p, ok) in ranked]
    if only_certain:
        matches = [m for m in matches if m[2] == "certain"]
    matches = matches[:count] if count is not None else matches
    return [PatientMatch(_golden(store, gid, resolution), p, g) for gid, p, g in matches]


def _golden(store: FhirStore, golden_id: str, resolution: Any) -> dict[str, Any]:
    """The stored golden Patient, or one built from its members if it is not stored yet."""
    with store.reading() as session:
        stored = session.current("Patient", golden_id)
    if stored is not None and not stored.deleted:
        return stored.as_dict()
    members = StorePatientReader(store).patients(resolution.clustering.members[golden_id])
    return golden_patient(golden_id, members)
