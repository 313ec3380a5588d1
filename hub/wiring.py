"""Which quality gate and identity linker the ingest uses: the one place that decides."""

from __future__ import annotations

from hub.config import IdentitySettings as ConfiguredIdentity
from hub.identity.settings import IdentitySettings
from hub.ingest.seams import Linker
from hub.quality.gate import CheckingGate  # Great Expectations starts lazily, on first page
from hub.store import FhirStore
from validation.results import CheckTally

__all__ = ["SyncGate", "identity_linker", "identity_settings", "quality_gate"]


class SyncGate(CheckingGate):
    """The sync's ``CheckingGate``; its copies in mapping workers hand their tallies back."""

    def drain(self) -> dict[tuple[str, str], CheckTally]:
        """The tallies since the last drain; this copy then starts afresh."""
        drained, self.tallies = self.tallies, {}
        return drained

    def absorb(self, tallied: object) -> None:
        """Add the tallies a worker's copy drained."""
        assert isinstance(tallied, dict)
        for (source, check), tally in tallied.items():
            self._tally(source, check).merge(tally)


def quality_gate(store: FhirStore) -> SyncGate:
    """The quality checks a sync applies."""
    return SyncGate()


def identity_settings(configured: ConfiguredIdentity | None = None) -> IdentitySettings:
    """The engine's settings from the hub's (its defaults when none are given)."""
    configured = configured or ConfiguredIdentity()
    return IdentitySettings(
        match_threshold=configured.match_threshold,
        review_threshold=configured.review_threshold,
    )


def identity_linker(store: FhirStore, configured: ConfiguredIdentity | None = None) -> Linker:
    """The identity linkage a sync runs after storing: the identity service on the store."""
    from hub.identity.review import StoreLinker, identity_service  # Splink loads on use

    return StoreLinker(identity_service(store, identity_settings(configured)))
