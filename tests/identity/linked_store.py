"""A store holding a small linked district (golden persons, a review queue), built once."""

from __future__ import annotations

import shutil
from pathlib import Path

from hub.identity import IdentitySettings
from hub.identity.review import relink
from hub.identity.store_adapters import StoreResolutionState
from hub.store import FhirStore, open_store
from hub.store.sealing import Sealer
from tests.identity.identity_synthetic import generate

#: Quick training; decisions never retrain.
SETTINGS = IdentitySettings(u_sample_pairs=5e5)


def build_linked_store(path: Path, sealer: Sealer | None = None) -> Path:
    """A SQLite store at ``path`` with 1,500 synthetic source Patients, linked."""
    store = open_store(f"sqlite:///{path}", sealer=sealer)
    try:
        store.write_many(generate(1500, seed=31).patients)
        relink(store, SETTINGS)
    finally:
        store.engine.dispose()
    return path


def copy_of(template: Path, target: Path) -> str:
    """The URL of a fresh copy of a linked store (each test decides on its own copy)."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def merged_pair(store: FhirStore) -> tuple[str, str]:
    """Two source records the last run put in one golden person."""
    saved = StoreResolutionState(store).load()
    assert saved is not None
    members = next(m for m in saved[1].clustering.members.values() if len(m) >= 2)
    return members[0], members[1]


def golden_of(store: FhirStore, key: str) -> str:
    """The golden person a source record belongs to, as the last run left it."""
    saved = StoreResolutionState(store).load()
    assert saved is not None
    return saved[1].clustering.cluster_of[key]
