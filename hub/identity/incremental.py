"""Incremental linkage: new and changed records, and reviewer decisions, without a full run.

Only pairs that involve a new or changed record are scored. Clusters are then formed
again only in the *region* the change can reach: the previous clusters of the records
named, closed over every link or ruling that crosses between clusters (a refused link, a
reviewer's ruling, a new link). Links never cross a region's edge, and forming clusters
in one connected part of the link graph does not depend on any other part, so the region's
clusters are exactly those a full run would form with the same model (links are applied
in a total order, see :mod:`hub.identity.clustering`). The cost follows the size of the
change, not of the population.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from hub.identity.clustering import Clustering, Link
from hub.identity.decisions import DecisionLog, PairRuling, ReviewDecision, pair_rulings
from hub.identity.engine import (
    Resolution,
    cluster_links,
    open_review_items,
    resident_id_links,
    resolve,
    triage,
)
from hub.identity.model import blocking_keys
from hub.identity.person import PersonRow
from hub.identity.scoring import ScoredPair, SplinkScorer
from hub.identity.settings import IdentitySettings

__all__ = ["Update", "affected_region", "link_new", "update"]


@dataclass(frozen=True, slots=True)
class Update:
    """An incremental run: every row now known, the resolution, and what was re-clustered."""

    rows: list[PersonRow]
    resolution: Resolution
    #: Record keys whose clusters were formed again (only their golden persons can change).
    region: frozenset[str]


def affected_region(
    seeds: Iterable[str], previous: Clustering, crossing: Iterable[tuple[str, str]]
) -> set[str]:
    """The seeds' previous clusters, closed over the edges that cross between clusters."""
    neighbours: dict[str, list[str]] = {}
    for a, b in crossing:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    region: set[str] = set()
    todo = list(seeds)
    while todo:
        key = todo.pop()
        if key in region:
            continue
        golden = previous.cluster_of.get(key)
        for member in previous.members[golden] if golden is not None else (key,):
            region.add(member)
            todo.extend(n for n in neighbours.get(member, ()) if n not in region)
    return region


def _crossing(
    previous: Clustering, rulings: Mapping[tuple[str, str], PairRuling], new_links: list[Link]
) -> list[tuple[str, str]]:
    """Edges that may join or touch two clusters: refused and new links, reviewer rulings."""
    edges = [(r.link.left, r.link.right) for r in previous.refused]
    edges += list(rulings)
    edges += [(link.left, link.right) for link in new_links]
    return edges


def _score(
    incoming: Sequence[PersonRow],
    kept: Sequence[PersonRow],
    previous: Resolution,
    settings: IdentitySettings,
) -> list[ScoredPair]:
    """Scored pairs that involve an incoming record (new-new and new-kept).

    Only kept rows that share a blocking key with an incoming row go to Splink: the
    others could not form a candidate pair, and loading them would cost the population.
    """
    if not incoming:
        return []
    wanted = {key for row in incoming for key in blocking_keys(row)}
    partners = [r for r in kept if any(key in wanted for key in blocking_keys(r))]
    with SplinkScorer(settings) as scorer:
        new = scorer.register(incoming)
        existing = scorer.register(partners) if partners else None
        return scorer.score_new(new, existing, previous.model)


def _merge(
    previous: Clustering, region: Collection[str], local: Clustering, all_keys: Iterable[str]
) -> Clustering:
    """The previous clustering with the region's clusters replaced by the local ones."""
    members = {g: m for g, m in previous.members.items() if m[0] not in region}
    members.update(local.members)
    cluster_of = dict(previous.cluster_of)
    cluster_of.update(local.cluster_of)
    known = set(all_keys)
    for gone in [k for k in cluster_of if k not in known]:  # rare: a record left the run
        del cluster_of[gone]
    refused = [r for r in previous.refused if r.link.left not in region]
    conflicts: list[ReviewDecision] = [
        d for d in previous.conflicts if not any(k in region for g in d.groups for k in g)
    ]
    conflicts += [d for d in local.conflicts if d not in conflicts]
    return Clustering(members, cluster_of, (*refused, *local.refused), tuple(conflicts))


def update(
    rows: Sequence[PersonRow],
    incoming: Sequence[PersonRow],
    *,
    previous: Resolution,
    decisions: DecisionLog,
    settings: IdentitySettings | None = None,
    seeds: Iterable[str] = (),
) -> Update:
    """Link new and changed rows, and re-cluster around ``seeds`` (records a person named).

    ``rows`` are the previous run's rows; an incoming row with a known key replaces the
    old one (its links are dropped and it is scored afresh). Without incoming rows no pair
    is scored at all: a reviewer's decision only re-forms the clusters it names.
    """
    settings = settings or IdentitySettings()
    stale = {r.record_key for r in incoming}
    kept = [r for r in rows if r.record_key not in stale]
    if incoming and not kept:  # nothing left to link against: a full run, same model
        everyone = list(incoming)
        resolution = resolve(everyone, decisions=decisions, settings=settings, model=previous.model)
        return Update(everyone, resolution, frozenset(stale))
    scored = _score(incoming, kept, previous, settings)
    auto, candidates = triage(scored, settings)
    known = {r.resident_id: r.record_key for r in kept if r.resident_id}
    fresh = [*resident_id_links(incoming, known), *auto]
    rulings = pair_rulings(decisions.decisions())
    named = {*stale, *seeds, *(k for p in scored for k in (p.left, p.right))}
    crossing = _crossing(previous.clustering, rulings, fresh)
    region = affected_region(named, previous.clustering, crossing)
    everyone = [*kept, *incoming]
    old_links = [x for x in previous.links if x.left not in stale and x.right not in stale]
    local_rows = [r for r in everyone if r.record_key in region]
    local_links = [x for x in [*old_links, *fresh] if x.left in region and x.right in region]
    local, applied = cluster_links(
        local_rows,
        local_links,
        scored,
        rulings,
        settings,
        # only the incoming pairs were scored: an old cluster's look-alikes are not in view
        eligible=lambda members: all(k in stale for k in members),
    )
    given = set(local_links)
    rescued = [x for x in applied if x not in given]
    clustering = _merge(previous.clustering, region, local, (r.record_key for r in everyone))
    waiting = [i for i in previous.review_queue if i.left not in stale and i.right not in stale]
    queue = open_review_items([*waiting, *candidates], clustering, rulings)
    issues = [i for i in previous.quality_issues if i.record_key not in stale]
    issues += [i for r in incoming for i in r.issues]
    resolution = Resolution(
        clustering,
        (*old_links, *fresh, *rescued),
        queue,
        tuple(issues),
        previous.model,
    )
    return Update(everyone, resolution, frozenset(region))


def link_new(
    existing: Sequence[PersonRow],
    new: Sequence[PersonRow],
    *,
    previous: Resolution,
    decisions: DecisionLog,
    settings: IdentitySettings | None = None,
) -> Resolution:
    """Link new records against a previous resolution without rescoring old pairs."""
    return update(
        existing, new, previous=previous, decisions=decisions, settings=settings
    ).resolution
