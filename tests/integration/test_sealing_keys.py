"""A store sealed with one set of keys does not open under another, and says which setting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.security.at_rest import FieldSealer
from hub.store import FhirStore, SealingKeyMismatch, StoreUnavailable, open_store
from hub.store.schema import sealing_key

PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"system": "urn:x", "value": "110101199003074477"}],
}


def _open(url: str, encryption: str, index: str) -> FhirStore:
    return open_store(url, sealer=FieldSealer(encryption, index))


def test_the_first_sealed_opening_records_the_keys_and_later_ones_check_them(
    store: FhirStore, database_url: str
) -> None:
    first = _open(database_url, "key-a", "index-a")
    first.update(PATIENT)
    first.engine.dispose()
    with store.engine.connect() as conn:
        rows = conn.execute(select(sealing_key.c.purpose, sealing_key.c.fingerprint))
        recorded = {row.purpose: row.fingerprint for row in rows}
    assert set(recorded) == {"encryption", "index"}
    assert not any("key-a" in f or "index-a" in f for f in recorded.values())

    again = _open(database_url, "key-a", "index-a")  # the same keys: opens, reads clear
    assert again.read("Patient", "p1").content is not None
    assert "110101199003074477" in (again.read("Patient", "p1").content or "")
    again.engine.dispose()

    with pytest.raises(SealingKeyMismatch) as changed:
        _open(database_url, "key-b", "index-a")
    message = str(changed.value)
    assert "HUB_PRIVACY__ENCRYPTION_KEY" in message
    assert "INDEX_KEY" not in message
    assert isinstance(changed.value, StoreUnavailable)  # the CLI's one-sentence exit

    with pytest.raises(SealingKeyMismatch, match="HUB_PRIVACY__INDEX_KEY"):
        _open(database_url, "key-a", "index-b")
    with pytest.raises(SealingKeyMismatch, match="encryption and index keys") as both:
        _open(database_url, "key-b", "index-b")  # HUB_SECRET_KEY changed: both differ
    assert "ENCRYPTION_KEY" in str(both.value)
    assert "INDEX_KEY" in str(both.value)


def test_a_store_opened_without_a_sealer_records_nothing(
    store: FhirStore, database_url: str
) -> None:
    plain = open_store(database_url)
    plain.engine.dispose()
    with store.engine.connect() as conn:
        assert conn.execute(select(sealing_key)).all() == []
    _open(database_url, "key-c", "index-c").engine.dispose()  # then the first sealer's keys
    with pytest.raises(SealingKeyMismatch):
        _open(database_url, "key-d", "index-c")
