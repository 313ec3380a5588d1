"""Identity resolution end to end: rules, model, constrained clusters, review queue.

``resolve`` links a whole population; ``link_new`` links new records against a previous
resolution, scoring only pairs that involve a new record. Both read reviewer decisions
from a :class:`~hub.identity.decisions.DecisionLog` and never overturn them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.identity.clustering import Clustering, Link, LinkKind, form_clusters
from hub.identity.decisions import DecisionLog, PairRuling, pair_rulings
from hub.identity.person import PersonRow, QualityIssue
from hub.identity.scoring import LinkageModel, ScoredPair, SplinkScorer
from hub.identity.settings import IdentitySettings

__all__ = ["Resolution", "ReviewItem", "link_new", "resident_id_links", "resolve"]


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A possible match waiting for a person: the pair, its probability and why it waits."""

    left: str
    right: str
    probability: float
    reason: str  # possible-match | guard-name-or-birth-date | resident-id-conflict


@dataclass(frozen=True, slots=True)
class Resolution:
    """The outcome of a run: clusters, the links behind them, and the review queue."""

    clustering: Clustering
    #: Automatic links (resident ID and probabilistic) kept for incremental runs.
    links: tuple[Link, ...]
    review_queue: tuple[ReviewItem, ...]
    quality_issues: tuple[QualityIssue, ...]
    model: LinkageModel


def resident_id_links(rows: Iterable[PersonRow], known: dict[str, str] | None = None) -> list[Link]:
    """Deterministic links: records with the same valid resident ID, chained to one anchor."""
    anchor: dict[str, str] = dict(known or {})
    links: list[Link] = []
    for row in rows:
        if row.resident_id is None:
            continue
        first = anchor.setdefault(row.resident_id, row.record_key)
        if first != row.record_key:
            a, b = sorted((first, row.record_key))
            links.append(Link(a, b, LinkKind.RESIDENT_ID))
    return links


def _triage(
    scored: Iterable[ScoredPair], settings: IdentitySettings
) -> tuple[list[Link], list[ReviewItem]]:
    """Split scored pairs into automatic links and possible matches."""
    links: list[Link] = []
    review: list[ReviewItem] = []
    for pair in scored:
        if pair.probability >= settings.match_threshold and pair.auto_ok:
            links.append(Link(pair.left, pair.right, LinkKind.PROBABILISTIC, pair.probability))
        elif pair.probability >= settings.match_threshold:
            review.append(
                ReviewItem(pair.left, pair.right, pair.probability, "guard-name-or-birth-date")
            )
        elif pair.probability >= settings.review_threshold:
            review.append(ReviewItem(pair.left, pair.right, pair.probability, "possible-match"))
    return links, review


def _review_queue(
    candidates: Iterable[ReviewItem],
    clustering: Clustering,
    rulings: dict[tuple[str, str], PairRuling],
) -> tuple[ReviewItem, ...]:
    """Possible matches still open: not ruled on by a person and not already one person."""
    refused = [
        ReviewItem(r.link.left, r.link.right, r.link.probability, r.reason)
        for r in clustering.refused
        if r.reason == "resident-id-conflict" and r.link.kind is LinkKind.PROBABILISTIC
    ]
    seen: set[tuple[str, str]] = set()
    queue: list[ReviewItem] = []
    for item in sorted([*candidates, *refused], key=lambda i: -i.probability):
        pair = (item.left, item.right)
        of = clustering.cluster_of
        if pair in seen or pair in rulings or of.get(item.left) == of.get(item.right):
            continue
        seen.add(pair)
        queue.append(item)
    return tuple(queue)


def _issues(rows: Iterable[PersonRow]) -> tuple[QualityIssue, ...]:
    """Every quality issue found while building the rows."""
    return tuple(issue for row in rows for issue in row.issues)


def resolve(
    rows: Sequence[PersonRow],
    *,
    decisions: DecisionLog,
    settings: IdentitySettings | None = None,
    model: LinkageModel | None = None,
) -> Resolution:
    """Link every record of a population; train the model first unless one is given."""
    settings = settings or IdentitySettings()
    with SplinkScorer(settings) as scorer:
        table = scorer.register(rows)
        model = model or scorer.train(table)
        scored = scorer.score_all(table, model)
    auto, candidates = _triage(scored, settings)
    links = [*resident_id_links(rows), *auto]
    rulings = pair_rulings(decisions.decisions())
    clustering = form_clusters(
        (r.record_key for r in rows),
        links,
        rulings,
        {r.record_key: r.resident_id for r in rows if r.resident_id},
        distinct_resident_ids_cannot_link=settings.distinct_resident_ids_cannot_link,
    )
    queue = _review_queue(candidates, clustering, rulings)
    return Resolution(clustering, tuple(links), queue, _issues(rows), model)


def link_new(
    existing: Sequence[PersonRow],
    new: Sequence[PersonRow],
    *,
    previous: Resolution,
    decisions: DecisionLog,
    settings: IdentitySettings | None = None,
) -> Resolution:
    """Link new records against a previous resolution without rescoring old pairs."""
    settings = settings or IdentitySettings()
    with SplinkScorer(settings) as scorer:
        scored = scorer.score_new(scorer.register(new), scorer.register(existing), previous.model)
    auto, candidates = _triage(scored, settings)
    known = {r.resident_id: r.record_key for r in existing if r.resident_id}
    links = [*previous.links, *resident_id_links(new, known), *auto]
    rulings = pair_rulings(decisions.decisions())
    everyone = [*existing, *new]
    clustering = form_clusters(
        (r.record_key for r in everyone),
        links,
        rulings,
        {r.record_key: r.resident_id for r in everyone if r.resident_id},
        distinct_resident_ids_cannot_link=settings.distinct_resident_ids_cannot_link,
    )
    queue = _review_queue([*previous.review_queue, *candidates], clustering, rulings)
    return Resolution(
        clustering, tuple(links), queue, (*previous.quality_issues, *_issues(new)), previous.model
    )
