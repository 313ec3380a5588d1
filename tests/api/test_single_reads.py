"""Single reads answer what the store answers, sealed or not, and survive a lost connection."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import create_engine, make_url, text

from hub.api.single_reads import SingleReads
from hub.config import Settings
from hub.security.at_rest import field_sealer
from hub.store import FhirStore, open_store
from hub.store.errors import ResourceGone, ResourceNotFound, StoreUnavailable

RESIDENT_ID = "110101199003074578"  # sealed at rest: a resident ID number
RESIDENT_SYSTEM = "https://carehub.org/fhir/sid/resident-id"


def _patient(pid: str, family: str) -> dict[str, object]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [
            {"system": "https://carehub.org/fhir/sid/resident-id", "value": RESIDENT_ID}
        ],
        "name": [{"family": family}],
    }


@pytest.fixture
def sealed_store(store: FhirStore, database_url: str) -> Iterator[FhirStore]:
    """The empty store again, its engine sealing sensitive values as `hub serve` opens it."""
    sealed = open_store(database_url, sealer=field_sealer(Settings()))
    try:
        yield sealed
    finally:
        sealed.engine.dispose()


def test_a_read_equals_the_stores_own_read(sealed_store: FhirStore) -> None:
    """Every field of the current version, with sealed values in clear, as the store gives it."""
    for n in range(5):
        sealed_store.update(_patient(f"p{n}", f"Family{n}"))
    sealed_store.update(_patient("p2", "Renamed"))
    reads = SingleReads(sealed_store)
    for n in range(5):
        with sealed_store.reading() as session:
            expected = session.read("Patient", f"p{n}")
        got = reads.read("Patient", f"p{n}")
        assert got == expected
        assert got.content is not None
        assert orjson.loads(got.content)["identifier"][0]["value"] == RESIDENT_ID
    assert reads.read("Patient", "p2").version_id == 2


def test_the_value_is_sealed_in_the_database(sealed_store: FhirStore) -> None:
    """The clear value comes from revealing, not from a column stored in clear."""
    sealed_store.update(_patient("p1", "Family"))
    with sealed_store.engine.connect() as conn:
        raw = conn.execute(text("SELECT CAST(content AS TEXT) FROM resource")).scalar_one()
    assert RESIDENT_ID not in raw
    assert RESIDENT_ID in (SingleReads(sealed_store).read("Patient", "p1").content or "")


def test_missing_and_deleted_resources(store: FhirStore) -> None:
    """404 and 410 semantics, with the version of the deletion."""
    store.update(_patient("gone", "Family"))
    store.delete("Patient", "gone")
    reads = SingleReads(store)
    with pytest.raises(ResourceNotFound):
        reads.read("Patient", "never")
    with pytest.raises(ResourceGone) as gone:
        reads.read("Patient", "gone")
    assert gone.value.version == 2
    assert reads.vread("Patient", "gone", 1).version_id == 1


def test_a_terminated_connection_is_replaced(postgres_url: str) -> None:
    """A kept connection the server closed (restart, idle kill) costs a retry, not an error."""
    store = open_store(postgres_url)
    try:
        store.update(_patient("p1", "Family"))
        reads = SingleReads(store)
        assert reads.read("Patient", "p1").version_id == 1
        with store.engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            conn.commit()
        assert reads.read("Patient", "p1").version_id == 1
    finally:
        store.engine.dispose()


def test_an_unreachable_database_is_unavailable(postgres_url: str) -> None:
    """No server: StoreUnavailable (503 at the API), not a driver error (500)."""

    class _Unreachable:
        engine = create_engine(make_url(postgres_url).set(host="127.0.0.1", port=1))

    reads = SingleReads(_Unreachable())  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailable, match="not available"):
        reads.read("Patient", "p1")
