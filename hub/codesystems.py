"""The CodeSystems of codes the hub itself writes (not the mappings): built from the code.

Gap Tasks name their continuity rule, timeline Lists their event kinds, golden Patients
their tag. Each system is built from the table the code uses (the rule catalogue, the
timeline's labels), so a new rule or event kind is in its CodeSystem the day it exists.
Loaded into the store with the mappings' canonical resources (``hub.canonical``).
"""

from __future__ import annotations

from typing import Any

from hub.continuity.catalogue import RULES
from hub.domain.codes import code_system_url
from hub.timeline.labels import KIND_LABELS

__all__ = ["HUB_CODE_SYSTEM_VERSION", "hub_code_systems"]

#: Raised when a system's codes change meaning (new codes alone are picked up by content).
HUB_CODE_SYSTEM_VERSION = "1.0.0"


def _code_system(
    name: str, title: str, description: str, concepts: list[tuple[str, str, str | None]]
) -> dict[str, Any]:
    """One complete CodeSystem: concepts as (code, display, definition)."""
    return {
        "resourceType": "CodeSystem",
        "id": name,
        "url": code_system_url(name),
        "version": HUB_CODE_SYSTEM_VERSION,
        "name": "".join(part.capitalize() for part in name.split("-")),
        "title": title,
        "status": "active",
        "experimental": False,
        "publisher": "carehub",
        "description": description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": [
            {"code": code, "display": display, **({"definition": d} if d else {})}
            for code, display, d in concepts
        ],
    }


def hub_code_systems() -> list[dict[str, Any]]:
    """Every CodeSystem of the hub's own codes."""
    return [
        _code_system(
            "continuity-rule",
            "Continuity-of-care rule",
            "The care-gap rules of the continuity view; each open gap is a Task with its rule.",
            [(r.id, r.title[1], r.description) for r in RULES],
        ),
        _code_system(
            "continuity-evidence",
            "Continuity evidence role",
            "How a resource stands to a gap Task: the evidence that opened it, or what closed it.",
            [
                ("evidence", "Evidence", "The record that shows the gap."),
                ("closed-by", "Closed by", "The record that answered the gap and closed it."),
            ],
        ),
        _code_system(
            "timeline-event-kind",
            "Timeline event kind",
            "Kinds of event on a person's continuity-of-care timeline.",
            [(kind, labels[1], labels[0]) for kind, labels in KIND_LABELS.items()],
        ),
        _code_system(
            "list-kind",
            "List kind",
            "Kinds of List the hub writes.",
            [("timeline", "Timeline", "A person's timeline events in date order.")],
        ),
        _code_system(
            "identity",
            "Identity resolution",
            "Tags of identity resolution.",
            [("golden", "golden record", "The Patient that stands for one person.")],
        ),
    ]
