"""Keyed hashes in the search index: the clear number never reaches an index row."""

from __future__ import annotations

from hub.search.extract import index_resource
from hub.security.index_privacy import hashing_indexer, query_token
from tests.security.conftest import MOBILE, RESIDENT_ID, district_records


def test_index_rows_hold_hashes_that_a_hashed_query_finds() -> None:
    """No row holds the ID or mobile; hashing the query value gives the stored code."""
    patient = next(r for r in district_records() if r.get("telecom"))
    rows = list(hashing_indexer(index_resource, "k")(patient))
    assert rows
    assert RESIDENT_ID not in str(rows)
    assert MOBILE not in str(rows)
    system = next(i["system"] for i in patient["identifier"] if i["value"] == RESIDENT_ID)
    wanted = query_token("k", "identifier", system, RESIDENT_ID)
    assert any(row.get("code") == wanted for _, row in rows)
    assert query_token("other-key", "identifier", system, RESIDENT_ID) != wanted


def test_other_tokens_are_left_alone() -> None:
    """Source-system patient numbers and codes stay searchable in clear."""
    patient = next(r for r in district_records() if r.get("telecom"))
    plain = {(t, str(r)) for t, r in index_resource(patient) if r.get("code") == "w-s"}
    hashed = {(t, str(r)) for t, r in hashing_indexer(index_resource, "k")(patient)}
    assert plain
    assert plain <= hashed
