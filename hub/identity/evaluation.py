"""Pairwise precision and recall of a clustering against ground truth. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["PairwiseScores", "pairwise_scores"]


@dataclass(frozen=True, slots=True)
class PairwiseScores:
    """Counts of record pairs put together, truly together, and both."""

    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        """Share of pairs put together that are one person (1.0 when none were)."""
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were put together (1.0 when there are none)."""
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(counts: Counter[object]) -> int:
    """Number of unordered pairs within groups of the given sizes."""
    return sum(n * (n - 1) // 2 for n in counts.values())


def pairwise_scores(cluster_of: Mapping[str, str], truth: Mapping[str, str]) -> PairwiseScores:
    """Score predicted clusters (record -> cluster) against truth (record -> person)."""
    keys = truth.keys() & cluster_of.keys()
    return PairwiseScores(
        true_positives=_pairs(Counter((cluster_of[k], truth[k]) for k in keys)),
        predicted_pairs=_pairs(Counter(cluster_of[k] for k in keys)),
        true_pairs=_pairs(Counter(truth[k] for k in keys)),
    )
