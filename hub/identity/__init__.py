"""Identity resolution: one person, however many source records.

Deterministic first (a shared valid GB 11643 resident ID links; a failing one is dropped
and reported), then a Fellegi-Sunter model (Splink 5 on DuckDB) for the rest, then
clusters formed under cannot-link constraints, so that a reviewer's decision is never
overturned. Automatic links need a high probability *and* agreeing name and birth date;
everything uncertain goes to the review queue.

    patients (FHIR JSON) --person_row--> PersonRow --resolve / update--> Resolution
        Resolution.clustering.members: golden id -> member record keys
        golden_patient(golden id, member Patients) -> golden Patient JSON

Ports: :class:`DecisionLog` (where reviewer decisions are kept; the store implements it,
tests use :class:`InMemoryDecisionLog`), and for :class:`IdentityService` (the ingest's
``Linker``) :class:`PatientReader`, :class:`GoldenWriter`, :class:`ResolutionState`.
Settings: :class:`IdentitySettings`.
"""

from hub.identity.clustering import (
    Clustering,
    Link,
    LinkKind,
    RefusedLink,
    form_clusters,
    golden_person_id,
)
from hub.identity.decisions import (
    DecisionKind,
    DecisionLog,
    InMemoryDecisionLog,
    ReviewDecision,
    accept,
    reject,
    split,
)
from hub.identity.engine import Resolution, ReviewItem, resident_id_links, resolve
from hub.identity.evaluation import PairwiseScores, pairwise_scores
from hub.identity.golden import (
    GOLDEN_TAG,
    golden_patient,
    golden_successors,
    replacement_links,
    source_patient_link,
)
from hub.identity.incremental import Update, link_new, update
from hub.identity.person import RESIDENT_ID_SYSTEM, PersonRow, QualityIssue, person_row
from hub.identity.scoring import LinkageModel
from hub.identity.service import (
    GoldenWriter,
    IdentityService,
    InMemoryGoldenWriter,
    InMemoryResolutionState,
    PatientReader,
    ResolutionState,
)
from hub.identity.settings import IdentitySettings

__all__ = [
    "GOLDEN_TAG",
    "RESIDENT_ID_SYSTEM",
    "Clustering",
    "DecisionKind",
    "DecisionLog",
    "GoldenWriter",
    "IdentityService",
    "IdentitySettings",
    "InMemoryDecisionLog",
    "InMemoryGoldenWriter",
    "InMemoryResolutionState",
    "Link",
    "LinkKind",
    "LinkageModel",
    "PairwiseScores",
    "PatientReader",
    "PersonRow",
    "QualityIssue",
    "RefusedLink",
    "Resolution",
    "ResolutionState",
    "ReviewDecision",
    "ReviewItem",
    "Update",
    "accept",
    "form_clusters",
    "golden_patient",
    "golden_person_id",
    "golden_successors",
    "link_new",
    "pairwise_scores",
    "person_row",
    "reject",
    "replacement_links",
    "resident_id_links",
    "resolve",
    "source_patient_link",
    "split",
    "update",
]
