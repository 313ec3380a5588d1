"""Which quality gate and identity linker the ingest uses: the one place that decides.

Until ``validation`` and ``hub.identity`` provide theirs, the pipeline's neutral seams are
used (they check nothing and link nothing), so a sync still accounts for every record.
"""

from __future__ import annotations

from hub.ingest.seams import Linker, NoLinking, QualityGate
from hub.store import FhirStore

__all__ = ["identity_linker", "quality_gate"]


def quality_gate(store: FhirStore) -> QualityGate:
    """The quality checks a sync applies."""
    from hub.quality.gate import CheckingGate  # starts Great Expectations lazily, on first page

    return CheckingGate()


def identity_linker(store: FhirStore) -> Linker:
    """The identity linkage a sync runs after storing."""
    return NoLinking()
