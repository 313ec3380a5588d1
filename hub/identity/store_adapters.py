"""The identity ports on the FHIR store: source Patients in, golden Patients and state out.

* :class:`StorePatientReader` - source Patients (every stored Patient not tagged golden);
* :class:`StoreGoldenWriter` - golden Patients, and the ``refer`` link on each source;
* :class:`StoreResolutionState` - the last run in rows (:mod:`hub.identity.store_state`),
  its open review queue in ``identity_review``;
* :class:`StoreDecisionLog` - reviewer decisions in ``identity_decision`` (append-only).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import insert, select

from hub.identity.codec import decision_to_json
from hub.identity.decisions import DecisionKind, ReviewDecision
from hub.identity.engine import ReviewItem
from hub.identity.golden import GOLDEN_TAG
from hub.identity.schema import identity_decision, identity_review
from hub.identity.store_state import StoreResolutionState
from hub.store import FhirStore
from hub.store.schema import resource

__all__ = [
    "StoreDecisionLog",
    "StoreGoldenWriter",
    "StorePatientReader",
    "StoreResolutionState",
    "is_golden",
    "open_review_queue",
]

Patient = dict[str, Any]
_ZERO = timedelta(0)


def is_golden(patient: Patient) -> bool:
    """Whether a Patient is a golden record (tagged by the identity service)."""
    tags = (patient.get("meta") or {}).get("tag") or []
    return any(t.get("system") == GOLDEN_TAG["system"] and t.get("code") == "golden" for t in tags)


class StorePatientReader:
    """Source Patients as the store holds them (golden records and deleted ones left out)."""

    def __init__(self, store: FhirStore) -> None:
        """Read from this store."""
        self.store = store

    def patients(self, ids: Sequence[str] | None = None) -> list[Patient]:
        """The source Patients with these ids, or all of them when ids is None."""
        with self.store.reading() as session:
            if ids is None:
                query = select(resource.c.content).where(
                    resource.c.resource_type == "Patient", resource.c.deleted.is_(False)
                )
                found = [orjson.loads(c) for (c,) in session.conn.execute(query)]
            else:
                stored = session.read_many("Patient", list(dict.fromkeys(ids)))
                found = [s.as_dict() for s in stored if not s.deleted]
        patients: list[Patient] = [p for p in found if not is_golden(p)]
        return patients


def _with_golden_link(patient: Patient, link: dict[str, Any]) -> Patient:
    """The source Patient with its ``refer`` link replaced by this one (other links kept)."""
    kept = [x for x in patient.get("link") or [] if x.get("type") != "refer"]
    updated = {k: v for k, v in patient.items() if k != "meta"}
    updated["link"] = [*kept, link]
    return updated


class StoreGoldenWriter:
    """Writes golden Patients, and the link to them on each source Patient."""

    def __init__(self, store: FhirStore) -> None:
        """Write to this store."""
        self.store = store

    def write_golden(self, patients: Sequence[Patient]) -> None:
        """Create or replace golden Patients (unchanged ones are not rewritten)."""
        tagged = []
        for patient in patients:
            meta = dict(patient.get("meta") or {})
            meta["tag"] = [dict(GOLDEN_TAG)]  # retired golden records keep their tag too
            tagged.append({**patient, "meta": meta})
        with self.store.begin() as session:
            session.write_many(tagged)

    def write_source_links(self, links: dict[str, dict[str, Any]]) -> None:
        """Set, per source Patient id, its ``refer`` link to its golden Patient."""
        if not links:
            return
        with self.store.begin() as session:
            stored = session.read_many("Patient", list(links))
            updated = [
                _with_golden_link(s.as_dict(), links[s.resource_id])
                for s in stored
                if not s.deleted
            ]
            session.write_many(updated)


def open_review_queue(store: FhirStore) -> list[ReviewItem]:
    """The possible matches of the last run still waiting for a person, likeliest first."""
    query = select(identity_review).order_by(
        identity_review.c.probability.desc(), identity_review.c.left_key
    )
    with store.reading() as session:
        rows = session.conn.execute(query).all()
    return [
        ReviewItem(r.left_key, r.right_key, r.probability, r.reason, tuple(orjson.loads(r.levels)))
        for r in rows
    ]


class StoreDecisionLog:
    """Reviewer decisions in ``identity_decision``: appended, never changed."""

    def __init__(self, store: FhirStore) -> None:
        """Keep decisions in this store's database."""
        self.store = store

    def record(self, decision: ReviewDecision) -> None:
        """Append a decision in its own transaction (it must survive whatever follows)."""
        data = decision_to_json(decision)
        at = decision.decided_at.replace(tzinfo=None) - (decision.decided_at.utcoffset() or _ZERO)
        with self.store.begin() as session:
            session.conn.execute(
                insert(identity_decision).values(
                    kind=data["kind"],
                    groups=orjson.dumps(data["groups"]).decode(),
                    reviewer=decision.reviewer,
                    decided_at=at,
                    reason=decision.reason,
                )
            )

    def decisions(self) -> Sequence[ReviewDecision]:
        """Every decision recorded so far, oldest first (decision times are naive UTC)."""
        query = select(identity_decision).order_by(
            identity_decision.c.decided_at, identity_decision.c.decision_id
        )
        with self.store.reading() as session:
            rows = session.conn.execute(query).all()
        return tuple(
            ReviewDecision(
                DecisionKind(r.kind),
                tuple(tuple(g) for g in orjson.loads(r.groups)),
                r.reviewer,
                r.decided_at,
                r.reason,
            )
            for r in rows
        )
