"""Resident IDs and mobile numbers in the search index as keyed hashes, not in clear.

``hashing_indexer`` wraps the store's indexer: token rows of ``identifier``, ``telecom``
and ``phone`` whose code is a resident ID or a mobile number get ``keyed_hash`` instead;
``query_token`` hashes a search value the same way, so ``identifier=sys|110...`` still
finds the record. Not wired yet: the store (``open_store``) and the search SQL each need
one call (see the report of issue 11).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from hub.security.masking import keyed_hash

__all__ = ["HASHED_PARAMS", "hashing_indexer", "is_sensitive_number", "query_token"]

HASHED_PARAMS = frozenset({"identifier", "telecom", "phone"})
_SENSITIVE = re.compile(r"^(\d{17}[\dXx]|1[3-9]\d{9})$")

IndexRow = tuple[str, dict[str, Any]]
Indexer = Callable[[dict[str, Any]], Iterable[IndexRow]]


def is_sensitive_number(value: str | None) -> bool:
    """Whether a token code is a resident ID or a mobile number."""
    return bool(value) and _SENSITIVE.match(value or "") is not None


def query_token(secret: str, param: str, system: str | None, code: str | None) -> str | None:
    """The code to look up for a token search value (hashed where the index hashes it)."""
    if param in HASHED_PARAMS and is_sensitive_number(code):
        return keyed_hash(secret, system or "", code or "")
    return code


def hashing_indexer(inner: Indexer, secret: str) -> Indexer:
    """The inner indexer with sensitive token codes replaced by their keyed hashes."""

    def index(resource: dict[str, Any]) -> Iterable[IndexRow]:
        for table, row in inner(resource):
            if table == "token" and row.get("param") in HASHED_PARAMS:
                hashed = query_token(secret, row["param"], row.get("system"), row.get("code"))
                row = {**row, "code": hashed}
            yield table, row

    return index
