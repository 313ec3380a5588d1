"""Stub resources: minimal versions a mapping emits only so that a reference resolves.

A record that names a doctor by staff id alone yields a Practitioner tagged
``resource-tag#stub`` (see ``mappings``). Such a stub never replaces a current version that
is not a stub (``hub.store.precedence``); a full resource does replace a stub.
"""

from __future__ import annotations

from typing import Any

from hub.domain.codes import code_system_url

__all__ = ["STUB_SYSTEM", "is_stub"]

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
