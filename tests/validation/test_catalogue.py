"""The check catalogue: every entry is well formed, every raw rule used is catalogued."""

from __future__ import annotations

import pytest

from validation.catalogue import CATEGORIES, _parse, load_catalogue
from validation.suites import SUITES


def test_every_check_has_a_kahn_category_a_severity_a_tolerance_and_a_note() -> None:
    catalogue = load_catalogue()
    assert catalogue.checks
    for spec in catalogue.checks.values():
        assert spec.category in CATEGORIES
        assert spec.severity in ("fatal", "warning")
        assert 0.0 <= spec.tolerance <= 1.0
        assert len(spec.note) > 20


def test_raw_check_ids_take_their_rule_from_the_catalogue() -> None:
    catalogue = load_catalogue()
    assert catalogue.spec("station.follow_up.risk_level.range").severity == "fatal"
    assert catalogue.spec("hospital.patient.resident_id.resident_id").severity == "warning"
    with pytest.raises(KeyError):
        catalogue.spec("station.follow_up.risk_level.no_such_rule")


def test_a_category_outside_the_framework_is_refused() -> None:
    text = '[checks."x"]\ncategory = "vibes"\nseverity = "fatal"\ntolerance = 0\nnote = "n"\n'
    with pytest.raises(ValueError, match="unknown category"):
        _parse('version = "1"\n' + text)


def test_every_suite_names_its_key_among_its_columns() -> None:
    for suite in SUITES.values():
        assert suite.columns[0] == suite.key
