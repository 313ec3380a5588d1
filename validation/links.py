"""Every reference and every coding of ours in resources: by a walk, or from their JSON text.

The walk visits every node of every resource, and on the ingest's hot path it cost more
than all the other FHIR checks together. For resources built through the R4B models (plain
JSON values only), the compact JSON text ``orjson`` writes in C holds the same facts:
inside a JSON string a quote is always escaped, so ``"reference":"`` can only be a key
with a string value, and a coding of ours is a ``"system":"<ours>"`` key followed, among
plain scalar siblings, by its ``"code"``. ``record_links`` answers from the text of all of
a record's resources at once, or says it cannot (escapes, a code before its system, a code
that is not a string, a value that is not JSON), and the caller walks instead.

The ingest serialises each record's resources anyway (a mapping worker sends them as JSON
text); ``resources_text`` is that text, and a caller that has it hands it in, so the
resources are not dumped a second time here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from hub.domain.codes import CANONICAL_BASE

__all__ = [
    "OURS",
    "Coding",
    "record_links",
    "record_links_raw",
    "resources_text",
    "text_references",
    "vouching_pattern",
    "walk_links",
]

#: Where the code systems whose codes our value sets bind live.
OURS = f"{CANONICAL_BASE}/CodeSystem/"
Coding = tuple[str, str]  # (system, code)

# Every ``"reference":"`` is matched (up to the next quote: an escaped one leaves a
# backslash in the value, which the caller refuses), so no occurrence goes unread.
_REFERENCES = re.compile(rb'"reference":"([^"]*)"')
_OUR_SYSTEM = b'"system":"' + OURS.encode()
# Every coding of ours is matched too: the system's name, then, if it can be read, scalar
# siblings (Coding's own, in the order the R4B model writes them) and the quoted code.
# An empty second group is a coding the pattern cannot read.
_CODINGS = re.compile(
    re.escape(_OUR_SYSTEM) + rb'([^"]*)"(?:(?:,"(?:id|version|display|userSelected)":'
    rb'(?:"[^"\\]*"|true|false))*,"code":("[^"\\]*"))?'
)
# Anything but plain JSON values makes orjson raise, and the caller walks.
_STRICT = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
_STRICT |= orjson.OPT_PASSTHROUGH_DATETIME


#: References and codings as the text holds them: reference bytes, (system after ``OURS``,
#: quoted code) bytes.
RawLinks = tuple[set[bytes], set[tuple[bytes, bytes]]]


def resources_text(resources: Sequence[dict[str, Any]]) -> bytes | None:
    """The compact JSON text of the resources (a list), or None if they are not plain JSON.

    Nothing is coerced (no dataclass, datetime or str subclass is written as JSON), so the
    text holds exactly the values the walk would see.
    """
    try:
        return orjson.dumps(resources, option=_STRICT)
    except TypeError:
        return None


def text_references(text: bytes) -> set[bytes] | None:
    """The distinct references in a ``resources_text``, or None if one is escaped."""
    references = set(_REFERENCES.findall(text))
    if b"\\" in text and any(b"\\" in r for r in references):
        return None  # one the pattern cannot read exactly: let the walk decide
    return references


def vouching_pattern(bindings: Mapping[str, frozenset[str]]) -> re.Pattern[bytes]:
    """A pattern that finds a coding of ours the bindings do not vouch for at a glance.

    Vouched for: a ``"system":"<ours>"`` key directly followed by its ``"code"``, the code
    in the system's value set (or the system bound to none). Anything else (a code not
    bound, a sibling or an escape between them, a code the pattern cannot read) is found,
    and the caller reads the codings one by one. Finding nothing needs no match objects:
    one scan of the text, where reading every coding cost more than half the link pass.
    """
    ours = {s.removeprefix(OURS): codes for s, codes in bindings.items() if s.startswith(OURS)}
    bound = [
        re.escape(name.encode())
        + rb'","code":"(?:'
        + b"|".join(re.escape(c.encode()) for c in sorted(codes, key=len, reverse=True))
        + rb')"'
        for name, codes in sorted(ours.items())
        if codes
    ]
    names = b"|".join(re.escape(name.encode()) for name in sorted(ours))
    free = (rb"(?!(?:" + names + rb')")' if names else b"") + rb'[^"\\]*","code":"[^"\\]*"'
    return re.compile(re.escape(_OUR_SYSTEM) + rb"(?!" + b"|".join([*bound, free]) + rb")")


def record_links_raw(
    resources: Sequence[dict[str, Any]], text: bytes | None = None
) -> RawLinks | None:
    """``record_links`` before decoding: the bytes the text pass found, or None if unsure.

    ``text``: ``resources_text(resources)`` when the caller made it already. A code is
    returned with its quotes. Without a backslash anywhere in the text nothing is escaped,
    so the bytes are exactly the UTF-8 of the values (the hot path checks no more).
    """
    if text is None and (text := resources_text(resources)) is None:
        return None
    references = text_references(text)
    if references is None:
        return None
    codings = set(_CODINGS.findall(text))
    if b"\\" in text and any(b"\\" in s + c for s, c in codings):
        return None  # one the patterns cannot read exactly: let the walk decide
    if any(not c for _, c in codings):
        return None  # a coding of ours whose code the pattern cannot read
    return references, codings


def record_links(resources: Sequence[dict[str, Any]]) -> tuple[set[str], set[Coding]] | None:
    """The distinct references and codings of ours in all the resources, or None if unsure."""
    found = record_links_raw(resources)
    if found is None:
        return None
    references, codings = found
    return (
        {r.decode() for r in references},
        {(OURS + s.decode(), c[1:-1].decode()) for s, c in codings},
    )


def walk_links(resource: dict[str, Any]) -> tuple[list[str], list[Coding]]:
    """A resource's references and codings of ours, in document order (any JSON-like value)."""
    references: list[str] = []
    codings: list[Mapping[str, Any]] = []
    _walk(resource, references, codings)
    ours = [(str(c["system"]), str(c["code"])) for c in codings]
    return references, [c for c in ours if c[0].startswith(OURS)]


def _walk(node: Any, references: list[str], codings: list[Mapping[str, Any]]) -> None:
    # Plain recursion over JSON containers: a recursive generator per node (one per check)
    # cost more than all the checks together.
    if type(node) is dict:
        reference = node.get("reference")
        if type(reference) is str:
            references.append(reference)
        if type(node.get("system")) is str and "code" in node:
            codings.append(node)
        node = node.values()
    for value in node:
        if type(value) is dict or type(value) is list:
            _walk(value, references, codings)
