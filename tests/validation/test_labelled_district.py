"""Against a labelled district: every fatal defect caught, clean records left alone."""

from __future__ import annotations

from hub.quality.gate import CheckingGate
from tests.validation.labelled import SEVERITY, district, evaluate


def test_recall_on_fatal_defects_is_one_and_clean_records_are_rarely_flagged() -> None:
    records = list(district(400, seed=11, defect_rate=0.05))
    score = evaluate(records, CheckingGate().check_records, page=500)
    fatal_kinds = [k for k, s in SEVERITY.items() if s == "fatal"]
    assert all(score.injected.get(k, 0) >= 10 for k in fatal_kinds), score.injected
    assert score.recall("fatal") == 1.0, [(m.kind, m.defect) for m in score.missed or []]
    assert score.clean > 3000
    assert score.clean_quarantined / score.clean < 0.005
    assert (score.clean_quarantined + score.clean_warned) / score.clean < 0.005
    assert score.recall("warning") == 1.0  # encoding damage is flagged, not quarantined
