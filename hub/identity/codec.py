"""A run's person rows and resolution as JSON and back, so the store can keep them. Pure."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from hub.identity.clustering import Clustering, Link, LinkKind, RefusedLink
from hub.identity.decisions import DecisionKind, ReviewDecision
from hub.identity.engine import Resolution, ReviewItem
from hub.identity.person import PersonRow, QualityIssue
from hub.identity.scoring import LinkageModel

__all__ = [
    "decision_from_json",
    "decision_to_json",
    "row_from_json",
    "row_to_json",
    "state_from_json",
    "state_to_json",
]


def decision_to_json(decision: ReviewDecision) -> dict[str, Any]:
    """A reviewer decision as a JSON object."""
    return {
        "kind": decision.kind.value,
        "groups": [list(g) for g in decision.groups],
        "reviewer": decision.reviewer,
        "decided_at": decision.decided_at.isoformat(),
        "reason": decision.reason,
    }


def decision_from_json(data: dict[str, Any]) -> ReviewDecision:
    """A reviewer decision from :func:`decision_to_json`."""
    return ReviewDecision(
        DecisionKind(data["kind"]),
        tuple(tuple(g) for g in data["groups"]),
        str(data["reviewer"]),
        datetime.fromisoformat(data["decided_at"]),
        str(data["reason"]),
    )


def row_to_json(row: PersonRow) -> dict[str, Any]:
    """A person row as a JSON object."""
    return asdict(row)


def row_from_json(data: dict[str, Any]) -> PersonRow:
    """A person row from :func:`row_to_json` (the dict is consumed)."""
    issues = tuple(QualityIssue(**i) for i in data.pop("issues", []))
    tokens = tuple(data.pop("address_tokens", []))
    return PersonRow(**data, address_tokens=tokens, issues=issues)


def _link_to_json(link: Link) -> list[Any]:
    return [link.left, link.right, link.kind.value, link.probability]


def _link_from_json(data: list[Any]) -> Link:
    return Link(str(data[0]), str(data[1]), LinkKind(data[2]), float(data[3]))


def _item_from_json(data: dict[str, Any]) -> ReviewItem:
    return ReviewItem(
        data["left"], data["right"], data["probability"], data["reason"], tuple(data["levels"])
    )


def _clustering_to_json(clustering: Clustering) -> dict[str, Any]:
    return {
        "members": {g: list(m) for g, m in clustering.members.items()},
        "refused": [[_link_to_json(r.link), r.reason] for r in clustering.refused],
        "conflicts": [decision_to_json(d) for d in clustering.conflicts],
    }


def _clustering_from_json(data: dict[str, Any]) -> Clustering:
    members = {g: tuple(m) for g, m in data["members"].items()}
    cluster_of = {k: g for g, keys in members.items() for k in keys}
    refused = tuple(RefusedLink(_link_from_json(link), reason) for link, reason in data["refused"])
    conflicts = tuple(decision_from_json(d) for d in data["conflicts"])
    return Clustering(members, cluster_of, refused, conflicts)


def state_to_json(rows: list[PersonRow], resolution: Resolution) -> dict[str, Any]:
    """One run (its rows and resolution, model included) as a JSON object."""
    return {
        "rows": [asdict(r) for r in rows],
        "clustering": _clustering_to_json(resolution.clustering),
        "links": [_link_to_json(link) for link in resolution.links],
        "review_queue": [asdict(i) for i in resolution.review_queue],
        "quality_issues": [asdict(i) for i in resolution.quality_issues],
        "model": resolution.model.to_json(),
    }


def state_from_json(data: dict[str, Any]) -> tuple[list[PersonRow], Resolution]:
    """A run from :func:`state_to_json`."""
    resolution = Resolution(
        _clustering_from_json(data["clustering"]),
        tuple(_link_from_json(link) for link in data["links"]),
        tuple(_item_from_json(i) for i in data["review_queue"]),
        tuple(QualityIssue(**i) for i in data["quality_issues"]),
        LinkageModel.from_json(data["model"]),
    )
    return [row_from_json(dict(r)) for r in data["rows"]], resolution
