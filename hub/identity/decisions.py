"""Reviewer decisions on possible matches, and the port through which they are kept.

A decision by a person outranks the algorithm for ever: an accepted pair stays linked, a
rejected pair or a split never re-merges, even through a chain of other records. The
store implements :class:`DecisionLog`; tests use :class:`InMemoryDecisionLog`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from itertools import combinations, product
from typing import Protocol

__all__ = [
    "DecisionKind",
    "DecisionLog",
    "InMemoryDecisionLog",
    "PairRuling",
    "ReviewDecision",
    "accept",
    "pair_rulings",
    "reject",
    "split",
]


class DecisionKind(StrEnum):
    """What a reviewer decided about a possible match or a cluster."""

    ACCEPT = "accept"  # the records are one person
    REJECT = "reject"  # the records are different people
    SPLIT = "split"  # a cluster holds several people: its groups must stay apart


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """One recorded decision: who decided what about which records, when and why."""

    kind: DecisionKind
    #: accept/reject: two groups of one record each; split: the groups to keep apart.
    groups: tuple[tuple[str, ...], ...]
    reviewer: str
    decided_at: datetime
    reason: str

    def __post_init__(self) -> None:
        """Refuse decisions that say nothing about at least two records."""
        if len(self.groups) < 2 or any(not g for g in self.groups):
            raise ValueError("a decision names at least two non-empty groups of records")
        keys = [k for g in self.groups for k in g]
        if len(keys) != len(set(keys)):
            raise ValueError("a record appears in more than one group of a decision")
        if self.kind is not DecisionKind.SPLIT and len(keys) != 2:
            raise ValueError("accept and reject name exactly two records")


class DecisionLog(Protocol):
    """Port: where reviewer decisions are kept across runs (append-only)."""

    def record(self, decision: ReviewDecision) -> None:
        """Append a decision."""

    def decisions(self) -> Sequence[ReviewDecision]:
        """Every decision recorded so far, oldest first."""


class InMemoryDecisionLog:
    """A DecisionLog held in a list: for tests and one-off runs."""

    def __init__(self, decisions: Iterable[ReviewDecision] = ()) -> None:
        """Start with the given decisions (oldest first)."""
        self._decisions = list(decisions)

    def record(self, decision: ReviewDecision) -> None:
        """Append a decision."""
        self._decisions.append(decision)

    def decisions(self) -> Sequence[ReviewDecision]:
        """Every decision recorded so far, oldest first."""
        return tuple(self._decisions)


def _pair(a: str, b: str) -> tuple[str, str]:
    """A record pair in canonical order."""
    return (a, b) if a < b else (b, a)


def accept(
    log: DecisionLog, left: str, right: str, *, reviewer: str, at: datetime, reason: str
) -> ReviewDecision:
    """Record that two records are the same person."""
    decision = ReviewDecision(DecisionKind.ACCEPT, ((left,), (right,)), reviewer, at, reason)
    log.record(decision)
    return decision


def reject(
    log: DecisionLog, left: str, right: str, *, reviewer: str, at: datetime, reason: str
) -> ReviewDecision:
    """Record that two records are different people."""
    decision = ReviewDecision(DecisionKind.REJECT, ((left,), (right,)), reviewer, at, reason)
    log.record(decision)
    return decision


def split(
    log: DecisionLog,
    groups: Sequence[Sequence[str]],
    *,
    reviewer: str,
    at: datetime,
    reason: str,
) -> ReviewDecision:
    """Record that a cluster holds several people: the groups never share a golden person."""
    frozen = tuple(tuple(g) for g in groups)
    decision = ReviewDecision(DecisionKind.SPLIT, frozen, reviewer, at, reason)
    log.record(decision)
    return decision


@dataclass(frozen=True, slots=True)
class PairRuling:
    """The standing human ruling on one pair: the latest decision that names it."""

    same_person: bool
    decision: ReviewDecision


def pair_rulings(decisions: Iterable[ReviewDecision]) -> dict[tuple[str, str], PairRuling]:
    """The latest ruling per record pair; a later decision on a pair supersedes an earlier."""
    rulings: dict[tuple[str, str], PairRuling] = {}
    for decision in sorted(decisions, key=lambda d: d.decided_at):
        same = decision.kind is DecisionKind.ACCEPT
        for ga, gb in combinations(decision.groups, 2):
            for a, b in product(ga, gb):
                rulings[_pair(a, b)] = PairRuling(same, decision)
    return rulings
