"""The timeline as FHIR: a ``collection`` Bundle whose first entry is a ``List``. Pure.

Choice (served at ``GET /fhir/Patient/{id}/$timeline``): timeline events are not FHIR
resources of their own, so the Bundle's first entry is a ``List`` (mode ``snapshot``,
ordered by date) with one entry per event: ``entry.date`` is the event's day,
``entry.flag`` its kind (CodeSystem ``timeline-event-kind``), ``entry.item`` the first FHIR
resource behind it, and an extension names the source system and carries the summary.
The resources behind the events follow as further entries, so a client needs no second
round trip. A List is searchable and familiar to FHIR clients, unlike a custom resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hub.domain.codes import code_system_url, extension_url, identifier_system
from hub.timeline.events import TimelineEvent
from hub.timeline.labels import KIND_LABELS, Language

__all__ = ["EVENT_SOURCE_URL", "EVENT_SUMMARY_URL", "timeline_bundle"]

EVENT_SOURCE_URL = extension_url("timeline-event-source")
EVENT_SUMMARY_URL = extension_url("timeline-event-summary")


def _entry(event: TimelineEvent, language: Language) -> dict[str, Any]:
    return {
        "extension": [
            {
                "url": EVENT_SOURCE_URL,
                "valueIdentifier": {
                    "system": identifier_system("source-system"),
                    "value": event.source,
                },
            },
            {"url": EVENT_SUMMARY_URL, "valueString": event.summary(language)},
        ],
        "flag": {
            "coding": [
                {
                    "system": code_system_url("timeline-event-kind"),
                    "code": event.kind,
                    "display": KIND_LABELS[event.kind][1],
                }
            ]
        },
        "date": event.date.isoformat(),
        "item": {"reference": event.references[0]},
    }


def timeline_bundle(
    patient_id: str,
    events: Sequence[TimelineEvent],
    resources: Iterable[dict[str, Any]],
    *,
    base_url: str,
    language: Language,
) -> dict[str, Any]:
    """Bundle(collection): the timeline List, then every resource an event points at."""
    timeline = {
        "resourceType": "List",
        "id": f"timeline-{patient_id}",
        "status": "current",
        "mode": "snapshot",
        "title": "时间线" if language == "zh" else "Timeline",
        "code": {"coding": [{"system": code_system_url("list-kind"), "code": "timeline"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "orderedBy": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/list-order", "code": "event-date"}
            ]
        },
        "entry": [_entry(e, language) for e in events],
    }
    wanted = {ref for e in events for ref in e.references}
    entries = [{"fullUrl": f"{base_url}/List/{timeline['id']}", "resource": timeline}]
    for r in resources:
        ref = f"{r.get('resourceType')}/{r.get('id')}"
        if ref in wanted:
            entries.append({"fullUrl": f"{base_url}/{ref}", "resource": r})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
