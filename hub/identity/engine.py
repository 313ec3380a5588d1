"""Identity resolution end to end: rules, model, constrained clusters, review queue.

``resolve`` links a whole population (:mod:`hub.identity.incremental` links changes
against a previous resolution with the same steps). Both read reviewer decisions from a
:class:`~hub.identity.decisions.DecisionLog` and never overturn them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from hub.identity.clustering import Clustering, Link, LinkKind, form_clusters
from hub.identity.decisions import DecisionLog, PairRuling, pair_rulings
from hub.identity.person import PersonRow, QualityIssue
from hub.identity.scoring import LinkageModel, ScoredPair, SplinkScorer
from hub.identity.settings import IdentitySettings

__all__ = [
    "Resolution",
    "ReviewItem",
    "cluster_links",
    "open_review_items",
    "resident_id_links",
    "resolve",
    "triage",
]


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A possible match waiting for a person: the pair, its probability and why it waits."""

    left: str
    right: str
    probability: float
    #: possible-match | guard-name-or-birth-date | resident-id-conflict | name-conflict
    reason: str
    #: Comparison level per comparison, for the reviewer (``model.comparison_names()``).
    levels: tuple[int, ...] = ()


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


def triage(
    scored: Iterable[ScoredPair], settings: IdentitySettings
) -> tuple[list[Link], list[ReviewItem]]:
    """Split scored pairs into automatic links and possible matches."""
    links: list[Link] = []
    review: list[ReviewItem] = []
    for pair in scored:
        if pair.probability >= settings.match_threshold and pair.auto_ok:
            links.append(Link(pair.left, pair.right, LinkKind.PROBABILISTIC, pair.probability))
        elif pair.probability >= settings.review_threshold:
            reason = (
                "guard-name-or-birth-date"
                if pair.probability >= settings.match_threshold
                else "possible-match"
            )
            review.append(ReviewItem(pair.left, pair.right, pair.probability, reason, pair.levels))
    return links, review


def _rescue_links(
    scored: Iterable[ScoredPair],
    clustering: Clustering,
    settings: IdentitySettings,
    eligible: Callable[[tuple[str, ...]], bool],
) -> list[Link]:
    """Links for clusters lacking a name or birth date that point to one person only.

    A record without a birth date that matches a name, phone and address could be the
    patient or the parent of the same name; it links only when exactly one golden person
    matches it at all (no look-alike in sight). Otherwise it waits for review.
    """
    of = clustering.cluster_of
    best: dict[str, dict[str, ScoredPair]] = {}
    for pair in scored:
        a, b = of[pair.left], of[pair.right]
        if a == b:
            continue
        for mine, other in ((a, b), (b, a)):
            current = best.setdefault(mine, {}).get(other)
            if current is None or pair.probability > current.probability:
                best[mine][other] = pair
    links: dict[tuple[str, str], Link] = {}
    for cluster, others in best.items():
        if len(others) != 1 or not eligible(clustering.members[cluster]):
            continue
        (pair,) = others.values()
        if pair.incomplete and pair.probability >= settings.match_threshold:
            link = Link(pair.left, pair.right, LinkKind.PROBABILISTIC, pair.probability)
            links[(pair.left, pair.right)] = link
    return list(links.values())


def cluster_links(
    rows: Sequence[PersonRow],
    links: list[Link],
    scored: Sequence[ScoredPair],
    rulings: dict[tuple[str, str], PairRuling],
    settings: IdentitySettings,
    eligible: Callable[[tuple[str, ...]], bool],
) -> tuple[Clustering, list[Link]]:
    """Cluster by the links, then once more with rescued links for incomplete records."""

    keys = [r.record_key for r in rows]
    resident_ids = {r.record_key: r.resident_id for r in rows if r.resident_id}
    names = {r.record_key: r.name_pinyin for r in rows if r.name_hanzi and r.name_pinyin}

    def run(all_links: list[Link]) -> Clustering:
        """One clustering pass over the links."""
        return form_clusters(
            keys,
            all_links,
            rulings,
            resident_ids,
            character_names=names,
            distinct_resident_ids_cannot_link=settings.distinct_resident_ids_cannot_link,
        )

    clustering = run(links)
    if not settings.link_incomplete_when_unique:
        return clustering, links
    rescued = _rescue_links(scored, clustering, settings, eligible)
    if rescued:
        links = [*links, *rescued]
        clustering = run(links)
    return clustering, links


def open_review_items(
    candidates: Iterable[ReviewItem],
    clustering: Clustering,
    rulings: dict[tuple[str, str], PairRuling],
) -> tuple[ReviewItem, ...]:
    """Possible matches still open: not ruled on by a person and not already one person."""
    refused = [
        ReviewItem(r.link.left, r.link.right, r.link.probability, r.reason)
        for r in clustering.refused
        if r.reason != "reviewer-rejected" and r.link.kind is LinkKind.PROBABILISTIC
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
    auto, candidates = triage(scored, settings)
    rulings = pair_rulings(decisions.decisions())
    clustering, links = cluster_links(
        rows,
        [*resident_id_links(rows), *auto],
        scored,
        rulings,
        settings,
        eligible=lambda _: True,
    )
    queue = open_review_items(candidates, clustering, rulings)
    return Resolution(clustering, tuple(links), queue, _issues(rows), model)
