"""The references $everything adds, found in the stored text, are those a walk of the JSON finds."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from hub.ingest.targets import reference_values
from hub.search.compartment import REFERENCED_TYPES, _reference_pattern

BASE = "https://hub.example/fhir"
WANTED = set(REFERENCED_TYPES)


def _walked(document: Any) -> set[tuple[str, str]]:
    """The parse-and-walk answer the text scan must equal."""
    found = set()
    for value in reference_values(document):
        if value.startswith(BASE + "/"):
            value = value[len(BASE) + 1 :]
        parts = value.split("/")
        versioned = len(parts) == 4 and parts[2] == "_history"
        if (len(parts) == 2 or versioned) and parts[0] in WANTED and parts[1]:
            found.add((parts[0], parts[1]))
    return found


def _scanned(text: str) -> set[tuple[str, str]]:
    """What referenced_resources finds in a resource's text."""
    pattern = _reference_pattern(tuple(sorted(WANTED)), BASE)
    return {(m.group(1), m.group(2)) for m in pattern.finditer(text)}


_ids = st.text("abc-.1", min_size=1, max_size=6)
_references = st.one_of(
    st.builds(lambda t, i: f"{t}/{i}", st.sampled_from([*REFERENCED_TYPES, "Patient"]), _ids),
    st.builds(lambda i: f"{BASE}/Practitioner/{i}", _ids),
    st.builds(lambda i: f"https://elsewhere.example/fhir/Organization/{i}", _ids),
    st.builds(lambda i: f"Practitioner/{i}/_history/2", _ids),
    st.sampled_from(["#contained", "urn:uuid:1", "Practitioner/", "Practitioner/a/b"]),
)
_leaves = st.one_of(
    st.builds(lambda r: {"reference": r}, _references),
    # text that quotes a reference member: escaped inside a string, never a reference
    st.builds(lambda r: json.dumps({"reference": r}), _references),
    st.builds(lambda r: {"text": f'see "reference": "{r}"'}, _references),
    st.integers(min_value=-(2**31), max_value=2**31),
)
_documents = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(["performer", "note", "x", "reference"]), children, max_size=3
        ),
    ),
    max_leaves=12,
)


@given(_documents)
@example(
    {
        "performer": [{"reference": "Practitioner/a"}],
        "note": [{"text": '"reference": "Organization/b"'}],
    }
)
def test_the_text_scan_finds_what_a_walk_finds(document: Any) -> None:
    expected = _walked(document)
    compact = orjson.dumps(document).decode()  # as the store writes it
    spaced = json.dumps(document, ensure_ascii=False)  # as PostgreSQL's jsonb prints it
    assert _scanned(compact) == expected
    assert _scanned(spaced) == expected
