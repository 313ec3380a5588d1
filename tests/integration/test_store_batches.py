"""Batch writes on SQLite and PostgreSQL: versions, history, index rows, races, stubs."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from sqlalchemy import select

from hub.search.extract import index_rows
from hub.store import FhirStore, VersionConflict
from hub.store.bulk import COPY_THRESHOLD
from hub.store.schema import INDEX_TABLES
from hub.store.stubs import STUB_SYSTEM

_STUB_TAG = {"system": STUB_SYSTEM, "code": "stub"}


def _observation(i: int, status: str = "final") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"o{i}",
        "status": status,
        "code": {"coding": [{"system": "http://loinc.org", "code": f"c{i % 3}"}]},
        "subject": {"reference": f"Patient/p{i % 4}"},
        "effectiveDateTime": f"2025-01-{1 + i % 28:02d}T10:00:00+08:00",
        "valueInteger": i,
    }


def _index_rows(store: FhirStore) -> set[tuple[str, tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {
            (name, tuple(row))
            for name, table in INDEX_TABLES.items()
            for row in conn.execute(select(table))
        }


@pytest.mark.parametrize("size", [3, COPY_THRESHOLD * 4])
def test_batch_and_single_writes_leave_the_same_rows(store: FhirStore, size: int) -> None:
    documents = [_observation(i) for i in range(size)]
    store.write_many(documents)
    batch_rows = _index_rows(store)
    with store.begin() as session:
        for document in documents:
            session.delete("Observation", document["id"])
    assert _index_rows(store) == set()
    for document in documents:
        store.update(document)
    assert _index_rows(store) == batch_rows
    assert len(batch_rows) == size * 5  # code, subject, date, value, status


def test_a_copied_batch_keeps_codes_that_are_not_strings_as_text(store: FhirStore) -> None:
    # index rows go to PostgreSQL as binary COPY, whose text columns take str only
    documents = [_observation(i) for i in range(COPY_THRESHOLD * 2)]
    for document in documents:
        document["code"]["coding"][0]["code"] = 7
        document["valueQuantity"] = {"value": 1.5, "system": 42, "code": 3}
        del document["valueInteger"]
    store.write_many(documents)
    rows = _index_rows(store)
    assert ("token", ("Observation", "o3", "code", "http://loinc.org", "7")) in rows
    assert ("quantity", ("Observation", "o3", "value-quantity", 1.5, "42", "3")) in rows
    assert store.read("Observation", "o3").as_dict()["code"]["coding"][0]["code"] == 7


def test_a_batch_mixes_creates_updates_and_unchanged(store: FhirStore) -> None:
    first = store.write_many([_observation(i) for i in range(40)])
    again = [_observation(i, "amended" if i % 2 else "final") for i in range(60)]
    second = store.write_many(again)
    assert (first.created, first.updated, first.unchanged) == (40, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (20, 20, 20)
    assert store.read("Observation", "o1").version_id == 2
    assert store.read("Observation", "o2").version_id == 1
    assert store.vread("Observation", "o1", 1).as_dict()["status"] == "final"
    assert store.read("Observation", "o1").as_dict()["meta"]["versionId"] == "2"
    with store.reading() as session:
        assert [s.version_id for s in session.history("Observation", "o1")] == [2, 1]
    with store.engine.connect() as conn:
        statuses = conn.execute(
            select(INDEX_TABLES["token"].c.code).where(
                INDEX_TABLES["token"].c.resource_id == "o1",
                INDEX_TABLES["token"].c.param == "status",
            )
        ).all()
    assert statuses == [("amended",)]


def test_batches_updating_in_one_transaction_each_set_their_versions(store: FhirStore) -> None:
    store.write_many([_observation(i) for i in range(COPY_THRESHOLD * 2)])
    with store.begin() as session:
        first = session.write_many([_observation(i, "amended") for i in range(COPY_THRESHOLD * 2)])
        second = session.write_many([_observation(i, "final") for i in range(3)])
    assert (first.updated, second.updated) == (COPY_THRESHOLD * 2, 3)
    assert store.read("Observation", "o1").version_id == 3
    assert store.read("Observation", "o1").as_dict()["status"] == "final"
    assert store.read("Observation", "o20").version_id == 2
    assert store.read("Observation", "o20").as_dict()["meta"]["versionId"] == "2"
    assert store.vread("Observation", "o1", 2).as_dict()["status"] == "amended"


def test_a_batch_revives_a_deleted_resource(store: FhirStore) -> None:
    store.write_many([_observation(1)])
    store.delete("Observation", "o1")
    summary = store.write_many([_observation(1)])
    assert summary.updated == 1
    assert store.read("Observation", "o1").version_id == 3


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_racing_batches_on_postgresql_exactly_one_wins(store: FhirStore) -> None:
    store.write_many([_observation(i) for i in range(50)])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(status: str) -> None:
        batch = [_observation(i, status) for i in range(50)]
        with store.begin() as session:
            barrier.wait()
            try:
                session.write_many(batch)
                outcomes.append("won")
            except VersionConflict:
                outcomes.append("conflict")
                raise

    def run(status: str) -> None:
        # counted in writer(); the rollback on leaving its transaction is what matters
        with contextlib.suppress(VersionConflict):
            writer(status)

    threads = [threading.Thread(target=run, args=(s,)) for s in ("amended", "cancelled")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["conflict", "won"]
    assert {store.read("Observation", f"o{i}").version_id for i in range(50)} == {2}
    with store.reading() as session:
        assert len(session.history("Observation", "o7")) == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_racing_batches_creating_the_same_resources_exactly_one_wins(
    store: FhirStore,
) -> None:
    # the loser's COPY of the new rows waits on the winner's keys and fails when it commits
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(status: str) -> None:
        batch = [_observation(i, status) for i in range(COPY_THRESHOLD * 3)]
        with contextlib.suppress(VersionConflict), store.begin() as session:
            barrier.wait()
            try:
                session.write_many(batch)
                outcomes.append(status)
            except VersionConflict:
                outcomes.append("conflict")
                raise

    threads = [threading.Thread(target=writer, args=(s,)) for s in ("final", "amended")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) in (["conflict", "final"], ["amended", "conflict"])
    winner = next(o for o in outcomes if o != "conflict")
    assert {store.read("Observation", f"o{i}").version_id for i in range(48)} == {1}
    assert store.read("Observation", "o5").as_dict()["status"] == winner
    assert len(_index_rows(store)) == COPY_THRESHOLD * 3 * 5


def test_an_indexer_failing_in_a_batch_leaves_nothing_written(store: FhirStore) -> None:
    def failing(document: dict[str, Any], resource_id: str, rows: Any) -> None:
        if resource_id == "o40":  # after many rows were built
            raise RuntimeError("indexer failed")
        index_rows(document, resource_id, rows)

    documents = [_observation(i) for i in range(COPY_THRESHOLD * 4)]
    broken = FhirStore(store.engine, indexer=failing)
    with pytest.raises(RuntimeError, match="indexer failed"):
        broken.write_many(documents)
    with store.reading() as session:
        assert session.count("Observation") == 0
    assert _index_rows(store) == set()
    assert store.write_many(documents).created == len(documents)


def test_a_row_failing_while_the_batch_streams_leaves_nothing_written(store: FhirStore) -> None:
    # a new resource's hash and JSON are made as its row is sent: a value JSON cannot hold
    # fails there, after many rows went to the database, and must undo them all
    documents = [_observation(i) for i in range(COPY_THRESHOLD * 4)]
    documents[40]["valueInteger"] = {1, 2}
    with pytest.raises(TypeError):
        store.write_many(documents)
    with store.reading() as session:
        assert session.count("Observation") == 0
    assert _index_rows(store) == set()
    documents[40]["valueInteger"] = 40
    assert store.write_many(documents).created == len(documents)


def test_a_mixed_batch_leaves_the_rows_single_writes_leave(store: FhirStore) -> None:
    # changed resources' index rows are made before the new ones' stream and must follow
    # their old rows' removal; compare with the same end state written one by one
    store.write_many([_observation(i) for i in range(COPY_THRESHOLD * 3)])
    final = [_observation(i, "amended" if i % 3 else "final") for i in range(COPY_THRESHOLD * 5)]
    summary = store.write_many(final)
    assert (summary.created, summary.updated) == (COPY_THRESHOLD * 2, COPY_THRESHOLD * 2)
    batch_rows = _index_rows(store)
    with store.begin() as session:
        for document in final:
            session.delete("Observation", document["id"])
    for document in final:
        store.update(document)
    assert _index_rows(store) == batch_rows
    assert len(batch_rows) == len(final) * 5


def _practitioner(*, stub: bool, name: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": "doc-1",
        "identifier": [{"system": "https://carehub.org/fhir/sid/station-staff", "value": "S1"}],
    }
    if stub:
        document["meta"] = {"tag": [_STUB_TAG]}
    if name:
        document["name"] = [{"text": name}]
    return document


def test_a_stub_never_replaces_a_full_resource_in_a_batch(store: FhirStore) -> None:
    store.write_many([_practitioner(stub=False, name="Dr Wang")])
    summary = store.write_many([_practitioner(stub=True)])
    assert (summary.updated, summary.unchanged) == (0, 1)
    current = store.read("Practitioner", "doc-1")
    assert current.version_id == 1
    assert current.as_dict()["name"] == [{"text": "Dr Wang"}]


def test_a_full_resource_replaces_a_stub_in_a_batch(store: FhirStore) -> None:
    store.write_many([_practitioner(stub=True)])
    summary = store.write_many([_practitioner(stub=False, name="Dr Wang")])
    assert summary.updated == 1
    assert store.read("Practitioner", "doc-1").as_dict()["name"] == [{"text": "Dr Wang"}]
    assert store.read("Practitioner", "doc-1").version_id == 2


@pytest.mark.parametrize("stub_first", [True, False])
def test_within_one_batch_the_full_resource_wins(store: FhirStore, stub_first: bool) -> None:
    full, stub = _practitioner(stub=False, name="Dr Wang"), _practitioner(stub=True)
    store.write_many([stub, full] if stub_first else [full, stub])
    assert store.read("Practitioner", "doc-1").as_dict()["name"] == [{"text": "Dr Wang"}]


def test_a_stub_never_replaces_a_full_resource_on_a_single_write(store: FhirStore) -> None:
    store.update(_practitioner(stub=False, name="Dr Wang"))
    kept = store.update(_practitioner(stub=True))
    assert kept.version_id == 1
    assert store.read("Practitioner", "doc-1").as_dict()["name"] == [{"text": "Dr Wang"}]
    replaced = store.update(_practitioner(stub=False, name="Dr Li"))
    assert replaced.version_id == 2


def test_stubs_replace_stubs_and_revive_deleted_resources(store: FhirStore) -> None:
    store.update(_practitioner(stub=True))
    changed_stub = {**_practitioner(stub=True), "active": True}
    assert store.write_many([changed_stub]).updated == 1
    store.delete("Practitioner", "doc-1")
    assert store.write_many([_practitioner(stub=True)]).updated == 1
    assert store.read("Practitioner", "doc-1").version_id == 4
