"""Resident IDs and phone numbers sealed at rest: the sealer itself, then the store and API."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.domain.codes import identifier_system
from hub.security.at_rest import (
    SEALED_PREFIX,
    FieldSealer,
    SealedValueError,
    holds_sensitive_number,
)
from hub.security.roles import Role
from hub.store import FhirStore
from hub.store.documents import content_hash
from hub.store.schema import idx_token, resource
from tests.security.conftest import MOBILE, PATIENT, RESIDENT_ID, district_records, token_for

RESIDENT = identifier_system("resident-id")


@pytest.fixture
def sealer() -> FieldSealer:
    """A sealer with fixed test keys."""
    return FieldSealer("encryption-secret", "index-secret")


def _patient() -> dict[str, object]:
    return {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [
            {"system": RESIDENT, "value": RESIDENT_ID},
            {"system": "urn:local", "value": "H00000042"},
        ],
        "telecom": [{"system": "phone", "value": MOBILE}],
        "birthDate": "1990-01-01",
        "meta": {"lastUpdated": "2024-01-01T10:00:00.000000+00:00"},
    }


def test_sealed_json_hides_the_numbers_and_reveals_them_again(sealer: FieldSealer) -> None:
    """The ID and the mobile are sealed; everything else stays as written; reveal restores."""
    text = orjson.dumps(_patient()).decode()
    sealed = sealer.seal_json(text)
    assert RESIDENT_ID not in sealed
    assert MOBILE not in sealed
    assert sealed.count(SEALED_PREFIX) == 2
    parsed = orjson.loads(sealed)
    assert parsed["identifier"][1]["value"] == "H00000042"
    assert parsed["birthDate"] == "1990-01-01"
    assert orjson.loads(sealer.reveal_json(sealed)) == _patient()


_NUMBERS = st.sampled_from([RESIDENT_ID, MOBILE, "11010519491231002X", "+86 13912345678"])
# Strings that look like the sealed form from inside: quotes, commas, colons, the prefix.
_TRICKY = st.sampled_from(['", "enc:1:AAAA"', '\\", "enc:1:', "note enc:1:AAAA", ":[", ""])
_LEAVES = st.one_of(
    _NUMBERS, _TRICKY, st.text(max_size=12), st.integers(-(2**40), 2**40), st.booleans()
)
_DOCUMENTS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(document=st.dictionaries(st.text(max_size=6), _DOCUMENTS, max_size=5))
@example(document={"a": RESIDENT_ID, "enc:1:": 0, "b": [{"c": 1, "enc:1:": MOBILE}]})
def test_reveal_in_the_text_equals_reveal_of_the_parsed_document(document: dict[str, Any]) -> None:
    """Sealed values anywhere (list items, nested values), in orjson's compact text and in
    PostgreSQL's spaced jsonb text, come back as the parsed walk would bring them back."""
    sealer = FieldSealer("encryption-secret", "index-secret")
    sealed = sealer.seal_json(orjson.dumps(document).decode())
    expected = sealer._walk(orjson.loads(sealed), sealer.reveal_value)
    assert expected == document
    spaced = json.dumps(orjson.loads(sealed), ensure_ascii=False)  # ", " and ": " as jsonb
    for text in (sealed, spaced):
        assert orjson.loads(sealer.reveal_json(text)) == expected


def test_sealing_is_deterministic_keyed_and_idempotent(sealer: FieldSealer) -> None:
    """One number seals to one text under one key (SQL can still group by it), not another."""
    once = sealer.seal_value(RESIDENT_ID)
    assert once == sealer.seal_value(RESIDENT_ID)
    assert sealer.seal_value(once) == once
    assert once != FieldSealer("other", "index-secret").seal_value(RESIDENT_ID)
    with pytest.raises(SealedValueError, match="HUB_PRIVACY__ENCRYPTION_KEY"):
        FieldSealer("other", "index-secret").reveal_value(once)


def test_free_text_quoting_a_number_is_sealed_whole(sealer: FieldSealer) -> None:
    """A message that quotes a number is sealed; one that does not is left alone."""
    quoted = f"phone {MOBILE} does not answer"
    assert sealer.seal_text(quoted).startswith(SEALED_PREFIX)
    assert sealer.reveal_text(sealer.seal_text(quoted)) == quoted
    assert sealer.seal_text("visited on 20240101, record H00000042") == (
        "visited on 20240101, record H00000042"
    )


@pytest.mark.parametrize(
    ("text", "sensitive"),
    [
        (RESIDENT_ID, True),
        ("11010519900101123X", True),
        (MOBILE, True),
        ("+86 " + MOBILE, True),
        ("PID|||" + RESIDENT_ID + "^^^", True),
        ("20240101123045", False),  # a timestamp
        ("1" + MOBILE, False),  # twelve digits
        ("a" + MOBILE + "b", False),  # inside a hex digest
        ("12345678901", False),  # not a mobile prefix
    ],
)
def test_what_counts_as_a_sensitive_number(text: str, sensitive: bool) -> None:
    """18-character IDs and mainland mobiles, not longer digit runs or hashes."""
    assert holds_sensitive_number(text) is sensitive


def test_index_codes_are_keyed_hashes_of_the_number(sealer: FieldSealer) -> None:
    """IDs and mobiles (with or without +86) hash alike; other codes stay in clear."""
    hashed = sealer.index_code(MOBILE)
    assert hashed.startswith("hmac:")
    assert MOBILE not in hashed
    assert sealer.index_code("+86 " + MOBILE) == hashed
    assert sealer.index_code(RESIDENT_ID) != hashed
    assert FieldSealer("encryption-secret", "other").index_code(MOBILE) != hashed
    assert sealer.index_code("H00000042") == "H00000042"


def test_digests_are_permuted_under_the_key(sealer: FieldSealer) -> None:
    """Same length, same for the same hash, other under another key; reveal restores."""
    digest = hashlib.sha256(RESIDENT_ID.encode()).hexdigest()
    sealed = sealer.seal_digest(digest)
    assert len(sealed) == len(digest)
    assert sealed != digest
    assert sealed == sealer.seal_digest(digest)
    assert FieldSealer("other", "index-secret").seal_digest(digest) != sealed
    assert sealer.reveal_digest(sealed) == digest
    assert sealer.seal_digest("not-a-digest") == "not-a-digest"


def _raw_text(store: FhirStore, table: object) -> str:
    """Every row of a table as the database holds it (no sealer on this engine)."""
    from hub.store.engine import make_engine

    raw = make_engine(store.engine.url.render_as_string(hide_password=False))
    try:
        with raw.connect() as conn:
            return "\n".join(str(tuple(row)) for row in conn.execute(select(table)))  # type: ignore[call-overload]
    finally:
        raw.dispose()


def test_the_store_keeps_numbers_sealed_and_serves_them_clear(sealed_store: FhirStore) -> None:
    """Rows and index hold no clear number; reads and identifier lookups still work."""
    records = district_records()
    sealed_store.write_many(records)
    for table in (resource, idx_token):
        text = _raw_text(sealed_store, table)
        assert RESIDENT_ID not in text, table
        assert MOBILE not in text, table
    assert sealed_store.write_many(records).unchanged == len(records)  # hashes still compare
    stored_hashes = _raw_text(sealed_store, resource)
    patient_hash = content_hash(next(r for r in records if r["id"] == PATIENT))
    assert patient_hash not in stored_hashes  # a plain hash would let IDs be tried
    patient = sealed_store.read("Patient", PATIENT).as_dict()
    assert {"system": RESIDENT, "value": RESIDENT_ID} in patient["identifier"]
    assert patient["telecom"] == [{"system": "phone", "value": MOBILE}]
    with sealed_store.reading() as session:
        found = session.conn.execute(
            select(idx_token.c.resource_id).where(idx_token.c.code == RESIDENT_ID)
        ).scalars()
        assert list(found) == [PATIENT]


def test_identifier_and_phone_searches_find_the_sealed_patient(secure_app) -> None:  # type: ignore[no-untyped-def]
    """``identifier=system|number`` and ``phone=number`` match through the hashed index."""
    bearer = {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}
    for query in (f"identifier={RESIDENT}|{RESIDENT_ID}", f"identifier={RESIDENT_ID}"):
        bundle = secure_app.get(f"/fhir/Patient?{query}", headers=bearer).json()
        assert [e["resource"]["id"] for e in bundle.get("entry", [])] == [PATIENT], query
    other = secure_app.get(
        f"/fhir/Patient?identifier={RESIDENT}|110105199001011242", headers=bearer
    )
    assert other.json().get("entry", []) == []


def test_a_conditional_create_recognises_the_sealed_identifier(secure_app) -> None:  # type: ignore[no-untyped-def]
    """If-None-Exist on the resident ID finds the stored patient instead of creating one."""
    headers = {
        "Authorization": f"Bearer {token_for(Role.CONNECTOR)}",
        "Content-Type": "application/fhir+json",
        "If-None-Exist": f"identifier={RESIDENT}|{RESIDENT_ID}",
    }
    body = {"resourceType": "Patient", "identifier": [{"system": RESIDENT, "value": RESIDENT_ID}]}
    response = secure_app.post("/fhir/Patient", json=body, headers=headers)
    assert response.status_code == 200, response.text
