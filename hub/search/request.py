"""Parsing a FHIR search query string into a checked ``SearchRequest`` (pure, no I/O).

Parameter names are resolved against the registry in ``parameters.py`` here, so the query
builder only sees parameters the hub indexes. Unknown parameters are either an error
(``Prefer: handling=strict``) or ignored and reported (lenient, the default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from hub.search.errors import InvalidSearch
from hub.search.paging import Cursor, decode_cursor
from hub.search.parameters import SEARCH_PARAMETERS, SearchParameter, parameters_for

__all__ = [
    "DEFAULT_COUNT",
    "MAX_COUNT",
    "MODIFIERS",
    "Criterion",
    "IncludeSpec",
    "SearchRequest",
    "parse_search",
    "sort_signature",
    "split_escaped",
]

DEFAULT_COUNT = 20
MAX_COUNT = 1000

ID_PARAM = SearchParameter("_id", "token", ())
LAST_UPDATED_PARAM = SearchParameter("_lastUpdated", "date", ())

#: Modifiers accepted per parameter type (``missing`` for every type).
MODIFIERS: dict[str, frozenset[str]] = {
    "token": frozenset({"missing", "not"}),
    "uri": frozenset({"missing", "not"}),
    "string": frozenset({"missing", "exact", "contains", "text"}),
    "date": frozenset({"missing"}),
    "number": frozenset({"missing"}),
    "quantity": frozenset({"missing"}),
    "reference": frozenset({"missing"}),
}
#: Parameters that steer the result rather than select resources.
CONTROL_PARAMETERS = frozenset(
    {
        "_count",
        "_offset",
        "_cursor",
        "_sort",
        "_include",
        "_revinclude",
        "_summary",
        "_elements",
        "_total",
        "_format",
        "_pretty",
    }
)
_SUMMARY = frozenset({"count", "true", "false", "data", "text"})
_TOTAL = frozenset({"none", "estimate", "accurate"})


@dataclass(frozen=True)
class Criterion:
    """One selecting parameter: OR over its values; several criteria are ANDed."""

    resource_type: str
    param: SearchParameter
    modifier: str | None
    values: tuple[str, ...]
    #: Chained search (``subject:Patient.identifier=``): one criterion per target type.
    chain: tuple[Criterion, ...] = ()
    #: Reverse chaining (``_has:Observation:patient:code=``): (source type, its reference
    #: parameter, the criterion on the source type).
    has: tuple[str, SearchParameter, Criterion] | None = None


@dataclass(frozen=True)
class IncludeSpec:
    """``_include`` / ``_revinclude``: source type, reference parameter, optional target type.

    ``*`` follows every reference search parameter (of the matches, or with ``:iterate``
    of each round's resources too).
    """

    source_type: str  # ``*`` for the wildcard
    param: SearchParameter | None  # None: every reference parameter (``_include=*``)
    target_type: str | None
    iterate: bool = False


@dataclass
class SearchRequest:
    """A checked search: criteria, paging, sorting, includes and what was ignored."""

    resource_type: str
    criteria: list[Criterion] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0
    sort: list[tuple[SearchParameter, bool]] = field(default_factory=list)  # (param, descending)
    include: list[IncludeSpec] = field(default_factory=list)
    revinclude: list[IncludeSpec] = field(default_factory=list)
    summary: str | None = None
    elements: tuple[str, ...] = ()
    total: str | None = None
    #: Where the previous page ended (keyset paging); None on a first or ``_offset`` page.
    cursor: Cursor | None = None
    #: The query pairs in force (for the self link), and the names that were ignored.
    kept: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def split_escaped(text: str, separator: str) -> list[str]:
    r"""Split on a separator not escaped with ``\``; unescape ``\,`` ``\|`` ``\$`` ``\\``."""
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


@cache
def _types_with(code: str) -> tuple[str, ...]:
    return tuple(t for t in sorted(SEARCH_PARAMETERS) if code in parameters_for(t))


def lookup(resource_type: str, code: str) -> SearchParameter | None:
    """The parameter ``code`` of a type, including ``_id`` and ``_lastUpdated``."""
    if code == "_id":
        return ID_PARAM
    if code == "_lastUpdated":
        return LAST_UPDATED_PARAM
    return parameters_for(resource_type).get(code)


class _Unknown(Exception):
    """A parameter the hub does not know (lenient mode ignores it)."""


def _criterion(resource_type: str, key: str, value: str) -> Criterion:
    if key.startswith("_has:"):
        return _has_criterion(resource_type, key, value)
    head, dot, tail = key.partition(".")
    code, _, modifier = head.partition(":")
    param = lookup(resource_type, code)
    if param is None:
        raise _Unknown(key)
    if dot:
        return _chained(resource_type, param, modifier or None, tail, value)
    if modifier and param.type == "reference" and modifier[:1].isupper():
        if param.targets and modifier not in param.targets:
            raise InvalidSearch(f"{key}: {code} cannot refer to {modifier}.")
        return Criterion(resource_type, param, modifier, _values(key, value))
    if modifier and modifier not in MODIFIERS.get(param.type, frozenset()):
        raise InvalidSearch(f"{key}: the modifier :{modifier} is not supported on {code}.")
    if modifier == "missing" and value not in ("true", "false"):
        raise InvalidSearch(f"{key}: :missing takes true or false, not {value!r}.")
    return Criterion(resource_type, param, modifier or None, _values(key, value))


def _values(key: str, value: str) -> tuple[str, ...]:
    values = tuple(v for v in split_escaped(value, ",") if v != "")
    if not values:
        raise InvalidSearch(f"{key} has no value.")
    return values


def _chained(
    resource_type: str, param: SearchParameter, modifier: str | None, tail: str, value: str
) -> Criterion:
    if param.type != "reference":
        raise InvalidSearch(f"{param.code} is not a reference parameter and cannot be chained.")
    if "." in tail:
        raise InvalidSearch(f"{param.code}.{tail}: chains are supported one level deep.")
    code = tail.partition(":")[0]
    if modifier:
        targets: tuple[str, ...] = (modifier,)
    elif param.targets:
        targets = param.targets
    else:
        targets = _types_with(code)
    chain = []
    for target in targets:
        if lookup(target, code) is None:
            if modifier or param.targets:
                raise InvalidSearch(f"{target} has no search parameter {code!r}.")
            continue
        chain.append(_criterion(target, tail, value))
    if not chain:
        raise _Unknown(f"{param.code}.{tail}")
    return Criterion(resource_type, param, modifier, (), chain=tuple(chain))


def _has_criterion(resource_type: str, key: str, value: str) -> Criterion:
    parts = key.split(":", 3)
    if len(parts) != 4 or not all(parts[1:]):
        raise InvalidSearch(f"{key}: write _has:Type:reference-parameter:parameter=value.")
    _, source_type, ref_code, inner_key = parts
    if source_type not in SEARCH_PARAMETERS:
        raise InvalidSearch(f"{key}: {source_type} is not a type this server holds.")
    ref = lookup(source_type, ref_code)
    if ref is None or ref.type != "reference":
        raise InvalidSearch(f"{key}: {source_type} has no reference parameter {ref_code!r}.")
    inner = _criterion(source_type, inner_key, value)
    return Criterion(resource_type, ref, None, (), has=(source_type, ref, inner))


def _int(key: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise InvalidSearch(f"{key} must be a whole number from {low} to {high}, not {value!r}.")
    return int(value)


def _include(key: str, value: str, request_type: str) -> IncludeSpec:
    if value == "*":
        return IncludeSpec("*", None, None, iterate=key.endswith(":iterate"))
    parts = value.split(":")
    if len(parts) not in (2, 3):
        raise InvalidSearch(f"{key}={value}: write Type:parameter or Type:parameter:TargetType.")
    source_type, code = parts[0], parts[1]
    param = lookup(source_type, code) if source_type in SEARCH_PARAMETERS else None
    if param is None or param.type != "reference":
        raise InvalidSearch(f"{key}={value}: {source_type} has no reference parameter {code!r}.")
    if key.startswith("_include") and source_type != request_type and ":iterate" not in key:
        raise InvalidSearch(f"{key}={value}: the source type must be {request_type}.")
    target = parts[2] if len(parts) == 3 else None
    return IncludeSpec(source_type, param, target, iterate=key.endswith(":iterate"))


def _sort(request: SearchRequest, value: str) -> None:
    for item in value.split(","):
        descending = item.startswith("-")
        code = item.lstrip("-")
        param = lookup(request.resource_type, code)
        if param is None or param.type not in ("date", "string", "token", "uri", "quantity"):
            raise InvalidSearch(f"_sort: cannot sort {request.resource_type} by {code!r}.")
        request.sort.append((param, descending))


def sort_signature(request: SearchRequest) -> str:
    """The request's ``_sort`` as one canonical text (a cursor is valid for that sort only)."""
    return ",".join(("-" if descending else "") + p.code for p, descending in request.sort)


def _control(request: SearchRequest, key: str, value: str) -> None:
    if key == "_count":
        request.count = _int(key, value, 0, MAX_COUNT)
    elif key == "_offset":
        request.offset = _int(key, value, 0, 10**9)
    elif key == "_cursor":
        request.cursor = decode_cursor(value)
    elif key == "_sort":
        _sort(request, value)
    elif key in ("_include", "_include:iterate"):
        request.include.append(_include(key, value, request.resource_type))
    elif key in ("_revinclude", "_revinclude:iterate"):
        request.revinclude.append(_include(key, value, request.resource_type))
    elif key == "_summary":
        if value not in _SUMMARY:
            raise InvalidSearch(f"_summary must be one of {sorted(_SUMMARY)}, not {value!r}.")
        request.summary = value
    elif key == "_elements":
        request.elements = tuple(e.strip() for e in value.split(",") if e.strip())
    elif key == "_total":
        if value not in _TOTAL:
            raise InvalidSearch(f"_total must be one of {sorted(_TOTAL)}, not {value!r}.")
        request.total = value


def parse_search(
    resource_type: str, pairs: list[tuple[str, str]], *, strict: bool = False
) -> SearchRequest:
    """Check and resolve the query pairs of a search on ``resource_type``."""
    request = SearchRequest(resource_type)
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:
            raise InvalidSearch("Search parameters cannot contain NUL characters.")
        base = key.partition(":")[0]
        if base in CONTROL_PARAMETERS:
            if base in ("_format", "_pretty"):
                continue
            _control(request, key, value)
            request.kept.append((key, value))
            continue
        try:
            request.criteria.append(_criterion(resource_type, key, value))
        except _Unknown:
            if strict:
                raise InvalidSearch(
                    f"{resource_type} has no search parameter {key!r} (Prefer: handling=strict)."
                ) from None
            request.ignored.append(key)
            continue
        request.kept.append((key, value))
    return request
