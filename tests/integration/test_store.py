"""The FHIR store on SQLite and PostgreSQL: round trips, versions, deletes, locking, indexes."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub.store import FhirStore, ResourceGone, ResourceNotFound, VersionConflict
from hub.store.errors import InvalidResource
from hub.store.schema import idx_reference, idx_token

# FHIR strings hold no control characters other than tab, CR and LF.
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\r\n"))
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | _text
    | st.floats(allow_nan=False, allow_infinity=False, width=64),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=20,
)


def _as_decimals(value: Any) -> Any:
    """JSON numbers compared as decimals (PostgreSQL JSONB keeps numbers as numeric)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return Decimal(repr(value))
    if isinstance(value, list):
        return [_as_decimals(v) for v in value]
    return {k: _as_decimals(v) for k, v in value.items()}


def _without_store_meta(document: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in document["meta"].items() if k not in ("versionId", "lastUpdated")}
    rest = {k: v for k, v in document.items() if k != "meta"}
    return rest | ({"meta": meta} if meta else {})


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.dictionaries(
        st.from_regex(r"[a-z][A-Za-z]{0,10}", fullmatch=True), _json, max_size=6
    )
)
def test_any_content_round_trips(store: FhirStore, content: dict[str, Any]) -> None:
    content.pop("resourceType", None)
    content.pop("id", None)
    content.pop("meta", None)
    written = store.create({"resourceType": "Patient", **content})
    read_back = store.read("Patient", written.resource_id).as_dict()
    expected = {"resourceType": "Patient", **content, "id": written.resource_id}
    assert _as_decimals(_without_store_meta(read_back)) == _as_decimals(expected)
    assert read_back["meta"]["versionId"] == "1"


def test_every_version_is_kept_and_readable(store: FhirStore) -> None:
    first = store.update({"resourceType": "Patient", "id": "p1", "active": True})
    second = store.update({"resourceType": "Patient", "id": "p1", "active": False})
    assert (first.version_id, second.version_id) == (1, 2)
    assert store.vread("Patient", "p1", 1).as_dict()["active"] is True
    assert store.read("Patient", "p1").as_dict()["active"] is False
    assert store.read("Patient", "p1").as_dict()["meta"]["versionId"] == "2"
    with store.reading() as session:
        versions = [s.version_id for s in session.history("Patient", "p1")]
    assert versions == [2, 1]


def test_deleted_resource_is_gone_but_its_versions_remain(store: FhirStore) -> None:
    store.update({"resourceType": "Patient", "id": "p1"})
    store.delete("Patient", "p1")
    with pytest.raises(ResourceGone):
        store.read("Patient", "p1")
    with pytest.raises(ResourceGone):
        store.vread("Patient", "p1", 2)
    assert store.vread("Patient", "p1", 1).resource_id == "p1"
    with pytest.raises(ResourceNotFound):
        store.read("Patient", "never")
    revived = store.update({"resourceType": "Patient", "id": "p1", "active": True})
    assert revived.version_id == 3


def test_stale_if_match_is_rejected(store: FhirStore) -> None:
    store.update({"resourceType": "Patient", "id": "p1"})
    store.update({"resourceType": "Patient", "id": "p1", "active": True}, if_match=1)
    with pytest.raises(VersionConflict):
        store.update({"resourceType": "Patient", "id": "p1", "active": False}, if_match=1)
    assert store.read("Patient", "p1").as_dict()["active"] is True


def test_invalid_documents_are_refused(store: FhirStore) -> None:
    with pytest.raises(InvalidResource):
        store.create({"id": "x"})
    with pytest.raises(InvalidResource):
        store.update({"resourceType": "Patient", "id": "bad id!"})


def test_index_rows_follow_the_current_version(store: FhirStore) -> None:
    store.update(
        {
            "resourceType": "Observation",
            "id": "o1",
            "status": "final",
            "subject": {"reference": "Patient/a"},
            "code": {"coding": [{"system": "s", "code": "c"}]},
        }
    )
    store.update(
        {
            "resourceType": "Observation",
            "id": "o1",
            "status": "amended",
            "subject": {"reference": "Patient/b"},
            "code": {"coding": [{"system": "s", "code": "c"}]},
        }
    )
    with store.engine.connect() as conn:
        statuses = (
            conn.execute(select(idx_token.c.code).where(idx_token.c.param == "status"))
            .scalars()
            .all()
        )
        subjects = (
            conn.execute(
                select(idx_reference.c.target_id).where(idx_reference.c.param == "subject")
            )
            .scalars()
            .all()
        )
    assert statuses == ["amended"]
    assert subjects == ["b"]
    store.delete("Observation", "o1")
    with store.engine.connect() as conn:
        assert conn.execute(select(idx_token.c.code)).first() is None


def test_batch_write_recognises_unchanged_content(store: FhirStore) -> None:
    batch = [{"resourceType": "Observation", "id": f"o{i}", "status": "final"} for i in range(3)]
    first = store.write_many(batch)
    again = store.write_many(batch)
    changed = store.write_many([batch[0], {**batch[1], "status": "amended"}])
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert store.read("Observation", "o1").version_id == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_racing_updates_on_postgresql_exactly_one_wins(store: FhirStore) -> None:
    store.update({"resourceType": "Patient", "id": "race"})
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(value: bool) -> None:
        barrier.wait()
        try:
            store.update({"resourceType": "Patient", "id": "race", "active": value}, if_match=1)
            outcomes.append("won")
        except VersionConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=writer, args=(v,)) for v in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "won"]
    assert store.read("Patient", "race").version_id == 2
