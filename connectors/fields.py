"""Declared field maps: a source's native column names and how each value is brought into a
type the record models can parse.

A converter never raises and never guesses: a value it does not recognise is passed on as it
came, so that parsing the record fails naming the field and the record is quarantined.
Blank values (``None`` or empty text) are left out, so a field's default applies or the
missing required field is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = [
    "Convert",
    "FieldMap",
    "as_bool_yes_no",
    "as_code_bool",
    "as_int",
    "as_int_list",
    "as_json",
    "as_text",
    "split_on",
]

#: Turns one non-blank native value into something pydantic can parse.
Convert = Callable[[Any], Any]


def as_text(value: Any) -> Any:
    """Text as the source wrote it (numbers from a database become text)."""
    return value if isinstance(value, str) else str(value)


def as_int(value: Any) -> Any:
    """An integer when the value is one, else the value (parsing then names the field)."""
    text = str(value).strip()
    return int(text) if text.lstrip("-").isdigit() else value


def as_json(value: Any) -> Any:
    """Decoded JSON text, or the text itself when it is not JSON."""
    if not isinstance(value, str | bytes):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def as_int_list(value: Any) -> Any:
    """``"1,3,5"`` -> ``[1, 3, 5]``; a part that is not a number stays text."""
    return [as_int(part) for part in str(value).split(",") if part.strip()]


def split_on(separator: str) -> Convert:
    """``"a;b"`` -> ``["a", "b"]`` for the given separator."""

    def split(value: Any) -> Any:
        return [part.strip() for part in str(value).split(separator) if part.strip()]

    return split


def _lookup(table: Mapping[str, bool]) -> Convert:
    def convert(value: Any) -> Any:
        return table.get(str(value).strip(), value)

    return convert


#: 是/否 as the national system writes yes and no.
as_bool_yes_no = _lookup({"是": True, "否": False, "1": True, "0": False})


def as_code_bool(yes: str, no: str) -> Convert:
    """A coded yes/no (e.g. the national form's 1 no, 2 yes) as a bool."""
    return _lookup({yes: True, no: False})


@dataclass(frozen=True)
class FieldMap:
    """Native name -> (record field, converter) for one record kind."""

    record_kind: str
    key_column: str
    columns: Mapping[str, tuple[str, Convert]]

    @classmethod
    def of(
        cls,
        record_kind: str,
        key_column: str,
        columns: Mapping[str, str | tuple[str, Convert]],
    ) -> FieldMap:
        """Build from a table where a bare field name means 'text as it came'."""
        return cls(
            record_kind,
            key_column,
            {
                native: (spec, as_text) if isinstance(spec, str) else spec
                for native, spec in columns.items()
            },
        )

    def payload(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The record payload of one native row (unknown columns are ignored)."""
        out: dict[str, Any] = {}
        for native, value in row.items():
            spec = self.columns.get(native)
            if spec is None or value is None or (isinstance(value, str) and not value.strip()):
                continue
            out[spec[0]] = spec[1](value)
        return out

    def key(self, row: Mapping[str, Any]) -> str | None:
        """The row's source key, or None when it is blank."""
        value = row.get(self.key_column)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    def unknown_columns(self, header: Iterable[str]) -> list[str]:
        """Header names this map does not declare."""
        return [h for h in header if h not in self.columns]
