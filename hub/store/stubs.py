"""Stub resources: minimal versions a mapping emits only so that a reference resolves.

A record that names a doctor by staff id alone yields a Practitioner tagged
``resource-tag#stub`` (see ``mappings``). Such a stub never replaces a current version that
is not a stub (the write counts as unchanged); a full resource does replace a stub.
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.domain.codes import code_system_url

__all__ = ["STUB_SYSTEM", "is_stub", "keeps_current"]

STUB_SYSTEM = code_system_url("resource-tag")


def is_stub(document: dict[str, Any]) -> bool:
    """Whether a resource document carries the stub tag."""
    meta = document.get("meta")
    if not isinstance(meta, dict):
        return False
    tags = meta.get("tag")
    if not isinstance(tags, list):
        return False
    return any(
        isinstance(tag, dict) and tag.get("code") == "stub" and tag.get("system") == STUB_SYSTEM
        for tag in tags
    )


def keeps_current(incoming: dict[str, Any], current: str | None) -> bool:
    """True when ``incoming`` is a stub and ``current`` (stored JSON, None if deleted) is not."""
    if current is None or not is_stub(incoming):
        return False
    return "stub" not in current or not is_stub(orjson.loads(current))  # most are no stub
