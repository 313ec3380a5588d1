"""Tunable parameters of identity resolution, passed in (the hub's Settings fill them)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["IdentitySettings"]


@dataclass(frozen=True, slots=True)
class IdentitySettings:
    """Thresholds and training knobs of the identity engine; defaults favour precision."""

    #: Match probability at or above which a pair is linked without a person looking.
    match_threshold: float = 0.95
    #: Match probability at or above which a pair goes to the review queue.
    review_threshold: float = 0.5
    #: Two valid resident IDs that differ keep their records apart (a cannot-link).
    distinct_resident_ids_cannot_link: bool = True
    #: Link a record lacking its name or birth date when it matches exactly one golden
    #: person and nothing else (more recall; but a same-named parent whose only record
    #: lacks a birth date would be merged with the child, so off by default).
    link_incomplete_when_unique: bool = False
    #: Pairs sampled to estimate u (chance agreement); more is steadier but slower.
    u_sample_pairs: float = 2e6
    #: Seed of the u sampling, so that a model trained twice on the same rows is the same.
    seed: int = 11643
    #: Assumed recall of the deterministic rules used to estimate the prior match rate.
    prior_rule_recall: float = 0.8
    #: Fewer labelled pairs (shared valid resident IDs) than this: train m by EM instead.
    min_labelled_pairs: int = 50
    #: Smallest m probability of a comparison level (smooths levels unseen in training).
    m_floor: float = 0.001
    #: Number of chunks each side of the prediction join is split into (bounds memory).
    predict_chunks: int = 1
    #: DuckDB threads; None lets DuckDB use every core.
    duckdb_threads: int | None = None

    def __post_init__(self) -> None:
        """Reject thresholds that cannot be ordered."""
        if not 0.0 < self.review_threshold <= self.match_threshold <= 1.0:
            raise ValueError("need 0 < review_threshold <= match_threshold <= 1")
