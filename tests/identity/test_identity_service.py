"""The identity service behind the ingest's Linker seam, on in-memory ports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from hub.identity import (
    IdentityService,
    IdentitySettings,
    InMemoryDecisionLog,
    InMemoryGoldenWriter,
    InMemoryResolutionState,
    pairwise_scores,
)
from tests.identity.identity_synthetic import generate

pytestmark = pytest.mark.slow


class FakeReader:
    """Source Patients held in a dict, as the store would serve them."""

    def __init__(self, patients: Iterable[dict[str, Any]]) -> None:
        self.by_id = {p["id"]: p for p in patients}

    def patients(self, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        keys = list(self.by_id) if ids is None else [i for i in ids if i in self.by_id]
        return [self.by_id[k] for k in keys]


def test_first_full_then_incremental_then_changed() -> None:
    district = generate(2500, seed=11)
    first, later = district.patients[:2300], district.patients[2300:]
    reader = FakeReader(first)
    writer, state = InMemoryGoldenWriter(), InMemoryResolutionState()
    service = IdentityService(
        reader, writer, state, InMemoryDecisionLog(), IdentitySettings(u_sample_pairs=5e5)
    )

    counts = service.link([p["id"] for p in first])
    assert counts["golden_written"] == counts["golden_persons"] == len(writer.golden)
    assert set(writer.source_links) == set(reader.by_id)

    reader.by_id |= {p["id"]: p for p in later}
    service.link([p["id"] for p in later])
    saved = state.load()
    assert saved is not None
    rows, resolution = saved
    assert len(rows) == len(district.patients)
    scores = pairwise_scores(resolution.clustering.cluster_of, district.truth)
    assert scores.precision >= 0.999
    assert scores.recall >= 0.97
    for key in (p["id"] for p in later):
        golden_id = resolution.clustering.cluster_of[key]
        link = writer.source_links[key]
        assert link == {"other": {"reference": f"Patient/{golden_id}"}, "type": "refer"}
        assert {"other": {"reference": f"Patient/{key}"}, "type": "seealso"} in writer.golden[
            golden_id
        ]["link"]

    changed = dict(later[0], birthDate="1900-01-01")
    reader.by_id[changed["id"]] = changed
    service.link([changed["id"]])
    again = state.load()
    assert again is not None
    assert len(again[0]) == len(district.patients)
    assert again[1].model == resolution.model  # relinked with the stored model, not retrained
