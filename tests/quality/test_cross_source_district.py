"""Cross-source defects on a simulated district: each kind is caught, clean records are not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hub.store import FhirStore
from tests.quality.cross_source import RecordingGate, score_district, sync_with

pytestmark = pytest.mark.slow  # simulates and syncs a 150-patient, two-year district


def test_every_cross_source_defect_is_caught_and_clean_records_are_rarely_flagged(
    sqlite_store: FhirStore, tmp_path: Path
) -> None:
    from simulators import DefectConfig, NoiseConfig, simulate
    from simulators.crosssource import CROSS_SOURCE

    root = tmp_path / "district"
    # Only cross-source defects, at rates that give each kind a few cases here, and no
    # identity noise: the cross-source pass takes a person's records across the systems by
    # resident ID, and the row defects would hold back a stay or a death the defect is
    # placed against (what the benchmark shows with every defect and noise on).
    # (rates per row of the kind; deaths and admissions are few, so theirs are higher)
    rates = {
        "follow_up_during_stay": 0.01,
        "high_risk_without_action": 0.01,
        "visits_after_death": 0.1,
        "discharge_before_admission": 0.15,
        "scale_total_mismatch": 0.05,
    }
    assert set(rates) == set(CROSS_SOURCE)
    defects = replace(DefectConfig.clean(), **rates)
    simulate(150, 2, 17, root, noise=NoiseConfig.clean(), defects=defects)
    gate = RecordingGate()
    sync_with(root, sqlite_store, gate)

    score = score_district(root, sqlite_store, gate)
    assert all(score.injected.get(kind, 0) >= 3 for kind in CROSS_SOURCE), score.injected
    fatal = [kind for kind, severity in CROSS_SOURCE.items() if severity == "fatal"]
    assert all(score.recall(kind) == 1.0 for kind in fatal), score.missed
    # the warnings are caught too: nothing here hides the record a defect is placed against
    assert all(score.recall(kind) == 1.0 for kind in CROSS_SOURCE), score.missed
    assert score.clean > 3_000
    assert score.flagged_rate() < 0.005, score.clean_flagged
