"""Search values: prefixes, dates, numbers, tokens and references as FHIR writes them (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from hub.search.dates import DateRange, parse_fhir_date
from hub.search.errors import InvalidSearch
from hub.search.request import split_escaped

__all__ = [
    "PREFIXES",
    "NumberValue",
    "ReferenceValue",
    "approximate_range",
    "parse_date_value",
    "parse_number_value",
    "parse_reference_value",
    "parse_token_value",
    "split_prefix",
]

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")


def split_prefix(value: str) -> tuple[str, str]:
    """(prefix, rest) of an ordered value; ``eq`` when no prefix is written."""
    if value[:2] in PREFIXES and len(value) > 2:
        return value[:2], value[2:]
    return "eq", value


def parse_date_value(name: str, value: str) -> tuple[str, DateRange]:
    """Prefix and inclusive range of a date search value."""
    prefix, rest = split_prefix(value)
    try:
        return prefix, parse_fhir_date(rest)
    except ValueError:
        raise InvalidSearch(f"{name}={value}: {rest!r} is not a FHIR date.") from None


def approximate_range(low: datetime, high: datetime, now: datetime) -> DateRange:
    """The ``ap`` range: the value widened by 10 % of its distance from now (at least a day)."""
    gap = max(abs(now - low), abs(now - high)) / 10
    gap = max(gap, timedelta(days=1))
    return low - gap, high + gap


@dataclass(frozen=True)
class NumberValue:
    """A number or quantity search value: prefix, value, precision range, unit."""

    prefix: str
    value: float
    low: float  # the value's implicit precision range [low, high)
    high: float
    system: str | None = None
    code: str | None = None


def parse_number_value(name: str, value: str, *, quantity: bool) -> NumberValue:
    """``[prefix]number`` or, for quantities, ``[prefix]number|system|code``."""
    prefix, rest = split_prefix(value)
    parts = split_escaped(rest, "|") if quantity else [rest]
    if len(parts) not in (1, 3):
        raise InvalidSearch(f"{name}={value}: write number, or number|system|code.")
    try:
        number = Decimal(parts[0])
    except InvalidOperation:
        raise InvalidSearch(f"{name}={value}: {parts[0]!r} is not a number.") from None
    if not number.is_finite():
        raise InvalidSearch(f"{name}={value}: {parts[0]!r} is not a finite number.")
    exponent = number.as_tuple().exponent
    half = Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)
    system = parts[1] or None if len(parts) == 3 else None
    code = parts[2] or None if len(parts) == 3 else None
    return NumberValue(
        prefix, float(number), float(number - half), float(number + half), system, code
    )


def parse_token_value(value: str) -> tuple[bool, str | None, str | None]:
    """(system given, system, code) of ``system|code``, ``|code``, ``system|`` or ``code``."""
    parts = split_escaped(value, "|")
    if len(parts) == 1:
        return False, None, parts[0]
    system, code = parts[0], "|".join(parts[1:])
    return True, system or None, code or None


@dataclass(frozen=True)
class ReferenceValue:
    """A reference search value: a type and id, a bare id, or an absolute URL."""

    target_type: str | None
    target_id: str | None
    url: str | None


def parse_reference_value(value: str, base_url: str) -> ReferenceValue:
    """Read ``Type/id``, ``id`` or an absolute URL (our own base URL counts as relative)."""
    if base_url and value.startswith(base_url.rstrip("/") + "/"):
        value = value[len(base_url.rstrip("/")) + 1 :]
    if "://" in value or value.startswith("urn:"):
        return ReferenceValue(None, None, value)
    parts = value.split("/")
    if len(parts) >= 2 and parts[0][:1].isupper() and parts[0].isalpha():
        return ReferenceValue(parts[0], parts[1], None)
    return ReferenceValue(None, value, None)
