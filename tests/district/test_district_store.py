"""On a whole simulated district: valid R4B, references resolve, scores equal the truth."""

from __future__ import annotations

from itertools import pairwise

import orjson
import pytest
from sqlalchemy import select

from hub.store.schema import resource, resource_history
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


def test_no_write_drops_an_element_an_earlier_version_had(synced: SyncedDistrict) -> None:
    # Several records write some resources (the HIS view and ADT messages one Patient and one
    # stay): each must give all it knows, or the later write loses what the earlier gave.
    # In the simulated district nothing is ever retracted, so a lost element is such a loss.
    history = resource_history
    with synced.store.engine.connect() as conn:
        current = {
            (r.resource_type, r.resource_id): r.content
            for r in conn.execute(
                select(resource.c.resource_type, resource.c.resource_id, resource.c.content)
            )
        }
        versions: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for row in conn.execute(
            select(history.c.resource_type, history.c.resource_id, history.c.version_id)
            .add_columns(history.c.content)
            .where(history.c.content.is_not(None))
        ):
            versions.setdefault((row.resource_type, row.resource_id), []).append(
                (row.version_id, row.content)
            )
    assert versions  # the sync rewrote some resources
    lost = set()
    for key, older in versions.items():
        texts = [text for _, text in sorted(older)] + [current[key]]
        documents = [orjson.loads(text) for text in texts if text is not None]
        for before, after in pairwise(documents):
            lost |= {(key[0], name) for name in before.keys() - after.keys() - {"meta"}}
    assert lost == set()
