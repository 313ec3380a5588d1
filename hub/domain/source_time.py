"""When the source recorded what a resource says, carried in the resource's own meta.

Two records may write one resource, and not always in the order their sources recorded
them: the HIS admission view and the ADT feed both write a stay's Encounter and
EpisodeOfCare; an admit message quarantined and replayed after its fix arrives after the
discharge; an admission view exported before the discharge is pulled after the discharge
message. Each such resource carries the time its source gave for the fact
(``meta.extension``, ``SOURCE_TIME_URL``, an instant), and a version whose source time is
older than the stored version's never replaces it (``hub.store.precedence``): a finished
stay is not reopened by a message about its admission. The time is not content: two
versions that differ only in it are the same (``hub.store.documents.content_hash``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain.codes import extension_url

__all__ = [
    "SOURCE_TIME_URL",
    "has_source_time",
    "is_older",
    "is_source_time",
    "source_time",
    "source_time_extension",
]

SOURCE_TIME_URL = extension_url("source-time")


def source_time_extension(instant: str) -> dict[str, str]:
    """The meta extension saying when the source recorded the resource's facts."""
    return {"url": SOURCE_TIME_URL, "valueInstant": instant}


def _extensions(document: dict[str, Any]) -> list[Any]:
    meta = document.get("meta")
    found = meta.get("extension") if isinstance(meta, dict) else None
    return found if isinstance(found, list) else []


def has_source_time(document: dict[str, Any]) -> bool:
    """Whether the document says when its source recorded it."""
    return any(is_source_time(e) for e in _extensions(document))


def is_source_time(extension: Any) -> bool:
    """Whether a meta extension is the source time."""
    return isinstance(extension, dict) and extension.get("url") == SOURCE_TIME_URL


def source_time(document: dict[str, Any]) -> datetime | None:
    """The source time of a document (None: not given, or not an instant with an offset)."""
    for extension in _extensions(document):
        if is_source_time(extension):
            value = extension.get("valueInstant")
            try:
                moment = datetime.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                return None
            return moment if moment is not None and moment.tzinfo is not None else None
    return None


def is_older(incoming: dict[str, Any], current: dict[str, Any]) -> bool:
    """True when both say when their source recorded them and ``incoming`` is the older.

    The same time is not older: a record sent again replaces what it wrote before.
    """
    mine, theirs = source_time(incoming), source_time(current)
    return mine is not None and theirs is not None and mine < theirs
