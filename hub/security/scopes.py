"""SMART on FHIR v2 scopes (``patient/*.rs``, ``user/Observation.rs``, ``system/*.cruds``).

A scope names a context, a resource type (or ``*``) and permissions drawn from
``c r u d s``. SMART v1 suffixes ``read``/``write``/``*`` are accepted and translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Scope", "allows", "format_scopes", "narrow", "parse_scopes"]

_SCOPE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]{1,5})$")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}
_ORDER = "cruds"


@dataclass(frozen=True)
class Scope:
    """One resource scope: context, type (or ``*``), permissions."""

    context: str
    resource_type: str
    permissions: frozenset[str]

    def covers(self, resource_type: str, permission: str) -> bool:
        """Whether this scope grants ``permission`` on ``resource_type``."""
        return permission in self.permissions and self.resource_type in ("*", resource_type)

    def __str__(self) -> str:
        perms = "".join(p for p in _ORDER if p in self.permissions)
        return f"{self.context}/{self.resource_type}.{perms}"


def _permissions(text: str) -> frozenset[str] | None:
    text = _V1.get(text, text)
    if not text or any(c not in _ORDER for c in text):
        return None
    # v2 requires the letters in order, each at most once.
    if "".join(sorted(set(text), key=_ORDER.index)) != text:
        return None
    return frozenset(text)


def parse_scopes(text: str) -> list[Scope]:
    """The resource scopes of a space-separated scope string; others (openid...) skipped."""
    scopes = []
    for word in text.split():
        match = _SCOPE.match(word)
        perms = _permissions(match.group(3)) if match else None
        if match and perms:
            scopes.append(Scope(match.group(1), match.group(2), perms))
    return scopes


def allows(scopes: list[Scope], resource_type: str, permission: str) -> bool:
    """Whether any scope grants the permission on the type."""
    return any(s.covers(resource_type, permission) for s in scopes)


def narrow(requested: list[Scope], granted: list[Scope]) -> list[Scope]:
    """The requested scopes cut down to what the granted ones allow (empty request: all)."""
    if not requested:
        return list(granted)
    result = []
    for want in requested:
        perms = frozenset(
            p
            for p in want.permissions
            if any(g.context == want.context and g.covers(want.resource_type, p) for g in granted)
        )
        if perms:
            result.append(Scope(want.context, want.resource_type, perms))
    return result


def format_scopes(scopes: list[Scope]) -> str:
    """The space-separated form of scopes."""
    return " ".join(str(s) for s in scopes)
