"""Keyset paging: a ``next`` link carries the sort key of the page's last row, not an offset.

The next page is "the rows after this key" in the search's order (the sort parameters,
then ``resource_id``), so resources created or deleted ahead of the cursor between two
requests neither shift a row onto a page twice nor push one past the reader unseen, as an
``_offset`` would. The cursor is opaque to clients: URL-safe base64 of JSON holding the
sort it belongs to, the key values, the last id and the position (for the ``previous``
link and the total). Pure: no I/O.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, DateTime, Float, String, and_, false, literal, or_

from hub.search.errors import InvalidSearch

__all__ = ["Cursor", "after_clause", "decode_cursor", "encode_cursor"]

#: A sort key value as the index tables hold it.
KeyValue = str | float | datetime | None


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: its sort, key values, last id and row position."""

    sort: str
    values: tuple[KeyValue, ...]
    last_id: str
    position: int


def _encode_value(value: KeyValue) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode_value(value: Any) -> KeyValue:
    if isinstance(value, dict) and isinstance(value.get("t"), str):
        return datetime.fromisoformat(value["t"])
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError("not a key value")


def encode_cursor(cursor: Cursor) -> str:
    """The opaque text of a cursor for a ``_cursor`` link parameter."""
    payload = {
        "s": cursor.sort,
        "v": [_encode_value(v) for v in cursor.values],
        "i": cursor.last_id,
        "n": cursor.position,
    }
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """A cursor from its link text; 400 (InvalidSearch) if it is not one the hub wrote."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = orjson.loads(raw)
        values = tuple(_decode_value(v) for v in payload["v"])
        sort, last_id, position = payload["s"], payload["i"], payload["n"]
        if not (isinstance(sort, str) and isinstance(last_id, str) and isinstance(position, int)):
            raise ValueError("wrong field types")
        if position < 0:
            raise ValueError("negative position")
    except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise InvalidSearch("_cursor is not a paging cursor this server wrote.") from None
    return Cursor(sort, values, last_id, position)


def _bind(value: KeyValue) -> Any:
    """The value as a plain typed literal: the key was read back as stored, so a column
    type that transforms what it binds (a keyed hash of a sensitive code) must not apply
    a second time."""
    if isinstance(value, datetime):
        return literal(value, DateTime())
    if isinstance(value, float):
        return literal(value, Float())
    return literal(value, String())


def _is(column: Any, value: KeyValue) -> ColumnElement[bool]:
    equal: ColumnElement[bool] = column.is_(None) if value is None else column == _bind(value)
    return equal


def _beyond(column: Any, value: KeyValue, descending: bool) -> ColumnElement[bool]:
    """Rows whose key comes after ``value`` in one direction, NULLs sorting last."""
    if value is None:
        return false()  # NULLs are last: nothing but NULLs follows a NULL
    ahead = column < _bind(value) if descending else column > _bind(value)
    return or_(ahead, column.is_(None))


def after_clause(
    keys: list[tuple[Any, bool]], id_column: Any, cursor: Cursor
) -> ColumnElement[bool]:
    """Rows after the cursor in the order (keys..., id ascending): a lexicographic compare."""
    if len(keys) != len(cursor.values):
        raise InvalidSearch("_cursor belongs to another _sort; start again from the first page.")
    alternatives = []
    for i, ((column, descending), value) in enumerate(zip(keys, cursor.values, strict=True)):
        equal_before = [_is(c, v) for (c, _), v in zip(keys[:i], cursor.values[:i], strict=True)]
        alternatives.append(and_(*equal_before, _beyond(column, value, descending)))
    ties = [_is(c, v) for (c, _), v in zip(keys, cursor.values, strict=True)]
    alternatives.append(and_(*ties, id_column > _bind(cursor.last_id)))
    return or_(*alternatives)
