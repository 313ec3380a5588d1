"""The continuity-of-care timeline of one person: pure functions from FHIR dicts to events.

``build_timeline(resources, sources)`` returns dated events (admission, discharge,
diagnosis, follow-up, home visit, phone contact, risk level change, scale result, care plan
change, goal reached, medication change, case closed), each with its source system, a short
summary in Chinese and English, and the FHIR references behind it. ``source_systems``
finds each resource's source (Provenance first, then the source Patient it points at).
``timeline_bundle`` gives the FHIR form (see hub/timeline/fhir.py for the choice).
"""

from hub.timeline.events import EVENT_KINDS, TimelineEvent, build_timeline, risk_series
from hub.timeline.fhir import timeline_bundle
from hub.timeline.labels import Language, label, translate
from hub.timeline.read import SOURCE_SYSTEMS, source_systems

__all__ = [
    "EVENT_KINDS",
    "SOURCE_SYSTEMS",
    "Language",
    "TimelineEvent",
    "build_timeline",
    "label",
    "risk_series",
    "source_systems",
    "timeline_bundle",
    "translate",
]
