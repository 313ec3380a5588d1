"""Identifiers: the GB 11643 resident ID number and stable resource ids."""

from __future__ import annotations

import re
import uuid
from datetime import date
from functools import lru_cache

__all__ = [
    "HUB_NAMESPACE",
    "birth_date_from_resident_id",
    "is_valid_resident_id",
    "resident_id_check_digit",
    "stable_id",
]

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")

#: Namespace of every uuid5 the hub derives; never change it, ids depend on it.
HUB_NAMESPACE = uuid.UUID("6f1c2b0e-8f3a-5d7e-9a41-2c6b8e0d4f17")


def resident_id_check_digit(first17: str) -> str:
    """Return the GB 11643-1999 check character (0-9 or X) for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("a resident ID body is exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def is_valid_resident_id(value: str | None) -> bool:
    """True when value is an 18-character resident ID whose check digit and birth date hold."""
    if value is None:
        return False
    value = value.strip().upper()
    if not _SHAPE.match(value):
        return False
    if resident_id_check_digit(value[:17]) != value[17]:
        return False
    return birth_date_from_resident_id(value) is not None


def birth_date_from_resident_id(value: str) -> date | None:
    """The birth date encoded in positions 7-14, or None when it is not a real date."""
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


@lru_cache(maxsize=1 << 18)  # the same keys recur across a patient's records and checks
def stable_id(source_system: str, resource_type: str, source_key: str) -> str:
    """The resource id for (source system, resource type, source key): uuid5, so re-runs update."""
    return str(uuid.uuid5(HUB_NAMESPACE, f"{source_system}|{resource_type}|{source_key}"))
