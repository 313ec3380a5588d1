"""Forming clusters (one per person) from links, under cannot-link constraints. Pure.

Links are applied strongest first: reviewer accepts, then shared valid resident IDs, then
probabilistic links by falling probability. Before two clusters merge, every constraint
between their members is checked, so a constraint also holds through a chain of records
(a-b and b-c cannot join a and c when a person said a and c are different people).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from hub.domain.identifiers import stable_id
from hub.identity.decisions import PairRuling, ReviewDecision

__all__ = [
    "Clustering",
    "Link",
    "LinkKind",
    "RefusedLink",
    "form_clusters",
    "golden_person_id",
]


class LinkKind(StrEnum):
    """Why two records were linked; the order is the order in which links are applied."""

    REVIEWER = "reviewer"
    RESIDENT_ID = "resident-id"
    PROBABILISTIC = "probabilistic"


_PRECEDENCE = {LinkKind.REVIEWER: 0, LinkKind.RESIDENT_ID: 1, LinkKind.PROBABILISTIC: 2}


@dataclass(frozen=True, slots=True)
class Link:
    """An edge between two source records that says they are one person."""

    left: str
    right: str
    kind: LinkKind
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class RefusedLink:
    """A link that was not applied because a constraint forbade the merge."""

    link: Link
    reason: str  # "reviewer-rejected", "resident-id-conflict" or "name-conflict"


@dataclass(frozen=True, slots=True)
class Clustering:
    """Clusters of source records: golden person id -> member record keys (sorted)."""

    members: dict[str, tuple[str, ...]]
    cluster_of: dict[str, str]
    refused: tuple[RefusedLink, ...] = ()
    #: Reviewer accepts that contradict a reviewer reject or split (kept apart, reported).
    conflicts: tuple[ReviewDecision, ...] = ()


def _pair(a: str, b: str) -> tuple[str, str]:
    """A record pair in canonical order (as rulings are keyed)."""
    return (a, b) if a < b else (b, a)


def golden_person_id(member_keys: Iterable[str]) -> str:
    """Id of the golden person of a cluster: from its smallest member key, so re-runs keep it."""
    return stable_id("identity", "Patient", min(member_keys))


@dataclass(slots=True)
class _Cluster:
    """Union-find bookkeeping of one root: its members and what they may not join."""

    members: list[str]
    forbidden: set[str] = field(default_factory=set)
    resident_ids: set[str] = field(default_factory=set)
    character_names: set[str] = field(default_factory=set)


def _conflict(a: set[str], b: set[str]) -> bool:
    """Both clusters know the attribute and share no value of it."""
    return bool(a) and bool(b) and a.isdisjoint(b)


class _Forest:
    """Union-find over record keys with per-cluster constraint sets."""

    def __init__(
        self, keys: Iterable[str], resident_ids: Mapping[str, str], names: Mapping[str, str]
    ) -> None:
        self.parent: dict[str, str] = {}
        self.roots: dict[str, _Cluster] = {}
        for key in keys:
            self.parent[key] = key
            rid, name = resident_ids.get(key), names.get(key)
            self.roots[key] = _Cluster(
                [key],
                resident_ids={rid} if rid else set(),
                character_names={name} if name else set(),
            )

    def find(self, key: str) -> str:
        """The root of a record's cluster."""
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:  # path compression keeps later finds short
            self.parent[key], key = root, self.parent[key]
        return root

    def forbid(self, a: str, b: str) -> None:
        """Record a cannot-link between two records."""
        self.roots[self.find(a)].forbidden.add(b)
        self.roots[self.find(b)].forbidden.add(a)

    def blocker(self, ra: str, rb: str, automatic: bool) -> str | None:
        """Why the clusters rooted at ra and rb may not merge, or None."""
        a, b = self.roots[ra], self.roots[rb]
        small, big = (a, b) if len(a.members) <= len(b.members) else (b, a)
        if any(m in big.forbidden for m in small.members):
            return "reviewer-rejected"
        if not automatic:
            return None
        if _conflict(a.resident_ids, b.resident_ids):
            return "resident-id-conflict"
        if _conflict(a.character_names, b.character_names):
            return "name-conflict"
        return None

    def merge(self, ra: str, rb: str) -> None:
        """Join two clusters, the smaller into the larger, constraints included."""
        a, b = self.roots[ra], self.roots[rb]
        if len(a.members) < len(b.members):
            ra, rb, a, b = rb, ra, b, a
        self.parent[rb] = ra
        a.members.extend(b.members)
        a.forbidden |= b.forbidden
        a.resident_ids |= b.resident_ids
        a.character_names |= b.character_names
        del self.roots[rb]


def form_clusters(
    keys: Iterable[str],
    links: Iterable[Link],
    rulings: Mapping[tuple[str, str], PairRuling],
    resident_ids: Mapping[str, str],
    *,
    character_names: Mapping[str, str] | None = None,
    distinct_resident_ids_cannot_link: bool = True,
) -> Clustering:
    """Cluster records by links, never merging across a reviewer's no or conflicting IDs.

    ``character_names`` (record -> pinyin of a name written in characters) stops a chain
    through a pinyin record from joining 周佳 and 周侠: characters typed with an input
    method differ only by homophones, so two clusters whose character names share no
    pinyin are different people unless a resident ID or a person says otherwise.
    """
    ids = resident_ids if distinct_resident_ids_cannot_link else {}
    forest = _Forest(keys, ids, character_names or {})
    ordered = _ordered_links(forest, links, rulings)
    refused: list[RefusedLink] = []
    conflicts: list[ReviewDecision] = []
    for link in ordered:
        ra, rb = forest.find(link.left), forest.find(link.right)
        if ra == rb:
            continue
        # a reviewer's yes overrides conflicting IDs, but never a reviewer's no; a shared
        # resident ID overrides a name conflict (the characters were mistyped)
        reason = forest.blocker(ra, rb, automatic=link.kind is LinkKind.PROBABILISTIC)
        if reason is None:
            forest.merge(ra, rb)
        elif link.kind is LinkKind.REVIEWER:
            conflicts.append(rulings[_pair(link.left, link.right)].decision)
        else:
            refused.append(RefusedLink(link, reason))
    return _clustering(forest, refused, conflicts)


def _ordered_links(
    forest: _Forest, links: Iterable[Link], rulings: Mapping[tuple[str, str], PairRuling]
) -> list[Link]:
    """Reviewer accepts, then the other links by kind, falling probability and pair.

    Reviewer rejects become cannot-links on the forest; a pair a reviewer ruled on is
    decided by the ruling alone.
    """
    ordered: list[Link] = []
    for (a, b), ruling in rulings.items():
        if a not in forest.parent or b not in forest.parent:
            continue  # a decision about records not in this run
        if ruling.same_person:
            ordered.append(Link(a, b, LinkKind.REVIEWER))
        else:
            forest.forbid(a, b)
    ordered.extend(link for link in links if _pair(link.left, link.right) not in rulings)
    # ties broken by the pair, so that any subset of the links is applied in the same
    # order as in a full run: an incremental run then forms the same clusters
    ordered.sort(
        key=lambda link: (_PRECEDENCE[link.kind], -link.probability, link.left, link.right)
    )
    return ordered


def _clustering(
    forest: _Forest, refused: list[RefusedLink], conflicts: list[ReviewDecision]
) -> Clustering:
    """Name each cluster by its golden person id and index membership."""
    members: dict[str, tuple[str, ...]] = {}
    cluster_of: dict[str, str] = {}
    for cluster in forest.roots.values():
        ordered = tuple(sorted(cluster.members))
        golden = golden_person_id(ordered)
        members[golden] = ordered
        for key in ordered:
            cluster_of[key] = golden
    return Clustering(members, cluster_of, tuple(refused), tuple(conflicts))
