"""Which quality gate and identity linker the ingest uses: the one place that decides."""

from __future__ import annotations

from hub.config import IdentitySettings as ConfiguredIdentity
from hub.identity.settings import IdentitySettings
from hub.ingest.seams import Linker, QualityGate
from hub.store import FhirStore

__all__ = ["identity_linker", "identity_settings", "quality_gate"]


def quality_gate(store: FhirStore) -> QualityGate:
    """The quality checks a sync applies."""
    from hub.quality.gate import CheckingGate  # starts Great Expectations lazily, on first page

    return CheckingGate()


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
