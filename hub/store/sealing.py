"""The store's privacy hook: sensitive values sealed on the way in, revealed on the way out.

The store knows nothing of keys or of which values are sensitive; it is handed a
``Sealer`` (``open_store(..., sealer=...)``) and installs it on its engine's dialect, the
one object every read and write of a ``JsonDocument``, ``SealedText``, ``SealedDigest``
or ``IndexCode`` column passes through (see ``hub.store.schema``). So every reader of
stored JSON (the API, search, identity, continuity, export, quarantine replay) gets clear
values without knowing, and every writer (resources, landing payloads, audit queries)
seals without knowing. SQL that reads stored JSON inside the database sees the sealed form.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

__all__ = ["Sealer", "install_sealer", "sealer_of"]

_ATTRIBUTE = "_hub_sealer"


class Sealer(Protocol):
    """Seals and reveals sensitive values; hashes search-index codes."""

    def seal_json(self, text: str) -> str:
        """JSON text with its sensitive string values sealed (still valid JSON)."""
        ...

    def reveal_json(self, text: str) -> str:
        """JSON text with every sealed string value in clear again."""
        ...

    def seal_text(self, text: str) -> str:
        """Plain text sealed as a whole if it holds a sensitive value."""
        ...

    def reveal_text(self, text: str) -> str:
        """Plain text in clear again."""
        ...

    def seal_digest(self, digest: str) -> str:
        """A hex SHA-256 under a keyed permutation (same length, same for the same hash)."""
        ...

    def reveal_digest(self, stored: str) -> str:
        """The hex SHA-256 again."""
        ...

    def index_code(self, code: str) -> str:
        """The form a token code takes in the index and in queries (a keyed hash if sensitive)."""
        ...

    def key_fingerprints(self) -> dict[str, tuple[str, str]]:
        """Per key purpose: the setting that holds the key, and a fingerprint of the key.

        A fingerprint is a keyed hash of a fixed text under a key of its own, derived from
        the key: equal for the same key, and telling nothing about it.
        """
        ...


def install_sealer(engine: Engine, sealer: Sealer) -> None:
    """Make every statement on this engine seal and reveal through ``sealer``."""
    setattr(engine.dialect, _ATTRIBUTE, sealer)


def sealer_of(dialect: Dialect) -> Sealer | None:
    """The sealer installed on a dialect, if any."""
    found: Sealer | None = getattr(dialect, _ATTRIBUTE, None)
    return found
