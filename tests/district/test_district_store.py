"""On a whole simulated district: valid R4B, references resolve, scores equal the truth."""

from __future__ import annotations

import pytest

from tests.district.checks import DistrictCheck
from tests.district.conftest import SyncedDistrict

pytestmark = pytest.mark.slow  # simulates and syncs a district once per backend


def test_the_sync_succeeded_and_quarantined_damaged_records(synced: SyncedDistrict) -> None:
    for name, report in synced.reports.items():
        assert report.status == "succeeded", (name, report.error)
    assert sum(r.quarantined for r in synced.reports.values()) > 0


def test_every_stored_resource_is_valid_r4b(checked: DistrictCheck) -> None:
    assert checked.resources > 0
    assert checked.invalid == []


def test_every_reference_resolves_inside_the_store(checked: DistrictCheck) -> None:
    assert checked.references > checked.canonical_references > 0
    # No exemption: a record whose parent was quarantined is parked with it (stage
    # "references") instead of being stored pointing at resources that do not exist.
    assert checked.unresolved == []


def test_every_code_of_our_systems_is_in_the_stored_code_system(checked: DistrictCheck) -> None:
    assert checked.codes > 0
    assert checked.unknown_codes == []
    # Every system of ours a stored resource uses is stored: the mappings' and the hub's own
    # (hub.codesystems: the identity tag of golden records among them).
    assert checked.unshipped_systems == set()


def test_every_score_the_hub_computed_equals_the_ground_truth(checked: DistrictCheck) -> None:
    assert checked.expected_scores > 0
    assert checked.quarantined_records > 0
    assert checked.mismatches == []
    assert checked.scores_compared >= checked.expected_scores
