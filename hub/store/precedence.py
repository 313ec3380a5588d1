"""When an incoming version does not replace the current one (the write counts as unchanged).

- A stub never replaces a version that is not a stub (``hub.store.stubs``).
- A version whose source recorded it earlier than the current version's source did never
  replaces it (``hub.domain.source_time``): an admit message replayed after the discharge
  does not reopen the stay.

Anything else replaces the current version, as does anything when the current version is
deleted.
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.domain.source_time import SOURCE_TIME_URL, has_source_time, is_older
from hub.store.stubs import is_stub

__all__ = ["keeps_current", "keeps_first", "may_keep_current"]


def may_keep_current(incoming: dict[str, Any]) -> bool:
    """Whether a rule could keep the current version (only then is it worth reading)."""
    return is_stub(incoming) or has_source_time(incoming)


def keeps_current(incoming: dict[str, Any], current: str | None) -> bool:
    """True when ``current`` (stored JSON, None if deleted) stays, under the rules above.

    The stored text is parsed only when a glance at it leaves the rules undecided.
    """
    if current is None:
        return False
    if is_stub(incoming):
        if "stub" not in current:
            return True  # most current versions are no stub
    elif SOURCE_TIME_URL not in current or not has_source_time(incoming):
        return False
    return keeps_first(incoming, orjson.loads(current))


def keeps_first(incoming: dict[str, Any], first: dict[str, Any]) -> bool:
    """The same rules between two versions of one resource that arrive in one batch."""
    if is_stub(incoming):
        return not is_stub(first)
    return is_older(incoming, first)
