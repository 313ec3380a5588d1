"""Incremental linkage gives the clusters of a full run, at the cost of the change only."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.identity import (
    Clustering,
    IdentityService,
    IdentitySettings,
    InMemoryDecisionLog,
    InMemoryGoldenWriter,
    InMemoryResolutionState,
    PersonRow,
    Resolution,
    accept,
    person_row,
    reject,
    resolve,
    split,
    update,
)
from hub.identity.incremental import affected_region
from hub.identity.model import blocking_keys
from hub.identity.scoring import SplinkScorer
from tests.identity.identity_synthetic import SyntheticDistrict, generate

pytestmark = pytest.mark.slow

SETTINGS = IdentitySettings(u_sample_pairs=5e5)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    """About 3,000 labelled source Patients with planted look-alikes."""
    return generate(3000, seed=23)


@pytest.fixture(scope="module")
def rows(district: SyntheticDistrict) -> list[PersonRow]:
    """The district's person rows."""
    return [person_row(p) for p in district.patients]


def _same_outcome(incremental: Resolution, full: Resolution) -> None:
    """Same golden persons with the same members, same open review pairs."""
    assert incremental.clustering.members == full.clustering.members
    assert incremental.clustering.cluster_of == full.clustering.cluster_of
    pairs = {(i.left, i.right) for i in incremental.review_queue}
    assert pairs == {(i.left, i.right) for i in full.review_queue}


def _changed(rows: Sequence[PersonRow]) -> list[PersonRow]:
    """Edits a sync may bring: a lost phone, a corrected birth date, a new address."""
    edits = []
    for i, row in enumerate(rows):
        if i % 3 == 0:
            edits.append(replace(row, phone=None))
        elif i % 3 == 1:
            edits.append(replace(row, birth_date="1931-02-03"))
        else:
            edits.append(replace(row, address=None, address_tokens=(), address_house=None))
    return edits


def test_batches_and_edits_form_the_clusters_of_a_full_run(rows: list[PersonRow]) -> None:
    rows = list(rows)
    random.Random(3).shuffle(rows)  # a person's records arrive in different batches
    log = InMemoryDecisionLog()
    current = list(rows[:1500])
    resolution = resolve(current, decisions=log, settings=SETTINGS)
    for start in range(1500, len(rows), 500):
        batch = rows[start : start + 500]
        step = update(current, batch, previous=resolution, decisions=log, settings=SETTINGS)
        current, resolution = step.rows, step.resolution
        # the cost follows the batch: only its neighbourhood is clustered again
        assert len(batch) < len(step.region) <= 4 * len(batch)  # with the persons they join
    edits = _changed(rows[100:160])
    step = update(current, edits, previous=resolution, decisions=log, settings=SETTINGS)
    assert len(step.rows) == len(rows)
    assert {r.record_key: r for r in step.rows}[edits[1].record_key].birth_date == "1931-02-03"
    full = resolve(step.rows, decisions=log, settings=SETTINGS, model=resolution.model)
    _same_outcome(step.resolution, full)


def _merged_pairs(resolution: Resolution, count: int) -> list[tuple[str, str]]:
    """Pairs of records that are in one golden person, from different golden persons."""
    groups = [m for m in resolution.clustering.members.values() if len(m) >= 2]
    return [(m[0], m[1]) for m in groups[:count]]


def test_decisions_reform_only_the_clusters_they_name(rows: list[PersonRow]) -> None:
    log = InMemoryDecisionLog()
    base = resolve(rows, decisions=log, settings=SETTINGS)
    (a, b), (c, d) = _merged_pairs(base, 2)
    reject(log, a, b, reviewer="dr.li", at=T0, reason="different mothers")
    item = base.review_queue[0]
    accept(log, item.left, item.right, reviewer="dr.li", at=T0, reason="same phone, same ward")
    split(log, [[c], [d]], reviewer="dr.li", at=T0, reason="twins")
    named = [a, b, item.left, item.right, c, d]
    step = update(rows, [], previous=base, decisions=log, settings=SETTINGS, seeds=named)
    of = step.resolution.clustering.cluster_of
    assert of[a] != of[b]
    assert of[c] != of[d]
    assert of[item.left] == of[item.right]
    full = resolve(rows, decisions=log, settings=SETTINGS, model=base.model)
    _same_outcome(step.resolution, full)
    before = base.clustering
    reach = {k for key in named for k in before.members[before.cluster_of[key]]}
    assert reach <= step.region
    assert len(step.region) <= 10 * len(reach)  # its neighbourhood, not the population


def test_the_region_follows_links_that_cross_clusters() -> None:
    clustering = Clustering(
        members={"g1": ("a", "b"), "g2": ("c",), "g3": ("d", "e"), "g4": ("f",)},
        cluster_of={"a": "g1", "b": "g1", "c": "g2", "d": "g3", "e": "g3", "f": "g4"},
    )
    assert affected_region(["a"], clustering, []) == {"a", "b"}
    assert affected_region(["a"], clustering, [("b", "d")]) == {"a", "b", "d", "e"}
    assert affected_region(["new"], clustering, [("new", "c"), ("c", "f")]) == {"new", "c", "f"}


class RecordingWriter(InMemoryGoldenWriter):
    """Keeps what it is given, and which golden ids the last write named."""

    def __init__(self) -> None:
        super().__init__()
        self.last: set[str] = set()

    def write_golden(self, patients: Sequence[dict[str, Any]]) -> None:
        super().write_golden(patients)
        self.last = {p["id"] for p in patients}


class Reader:
    """Source Patients in a dict."""

    def __init__(self, patients: Iterable[dict[str, Any]]) -> None:
        self.by_id = {p["id"]: p for p in patients}

    def patients(self, ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        keys = list(self.by_id) if ids is None else [i for i in ids if i in self.by_id]
        return [self.by_id[k] for k in keys]


def test_the_service_rewrites_only_what_a_change_or_a_decision_reaches(
    district: SyntheticDistrict,
) -> None:
    reader, writer, state = Reader(district.patients), RecordingWriter(), InMemoryResolutionState()
    log = InMemoryDecisionLog()
    service = IdentityService(reader, writer, state, log, SETTINGS)
    ids = list(reader.by_id)
    first = service.link(ids)
    assert first["golden_written"] == first["golden_persons"]

    again = service.link(ids[:200])  # a re-sync of unchanged records
    assert again["records_relinked"] == 0
    assert again["golden_written"] <= 200

    saved = state.load()
    assert saved is not None
    clustering = saved[1].clustering
    left, right = next(
        (m[0], m[1]) for m in clustering.members.values() if len(m) >= 2 and m[0] not in ids[:5]
    )
    split(log, [[left], [right]], reviewer="dr.li", at=T0, reason="two people")
    counts = service.apply_decisions([left, right])
    assert counts["records_relinked"] < 20
    now = state.load()
    assert now is not None
    of = now[1].clustering.cluster_of
    assert of[left] != of[right]
    assert writer.last <= {clustering.cluster_of[left], of[left], of[right]}
    assert writer.source_links[right] == {
        "other": {"reference": f"Patient/{of[right]}"},
        "type": "refer",
    }


def test_a_changed_patient_is_rescored_and_its_person_rewritten(
    district: SyntheticDistrict,
) -> None:
    reader, writer, state = Reader(district.patients), RecordingWriter(), InMemoryResolutionState()
    service = IdentityService(reader, writer, state, InMemoryDecisionLog(), SETTINGS)
    service.link(list(reader.by_id))
    saved = state.load()
    assert saved is not None
    no_id = {r.record_key for r in saved[0] if r.resident_id is None}  # else the ID's date
    key = next(
        k for m in saved[1].clustering.members.values() if len(m) >= 2 for k in m if k in no_id
    )
    reader.by_id[key] = {**reader.by_id[key], "birthDate": "1901-01-01"}
    counts = service.link([key])
    assert 1 <= counts["records_relinked"] < 20
    now = state.load()
    assert now is not None
    rows = {r.record_key: r for r in now[0]}
    assert rows[key].birth_date == "1901-01-01"
    assert now[1].model == saved[1].model  # no retraining
    assert now[1].clustering.cluster_of[key] in writer.last
    full = resolve(now[0], decisions=InMemoryDecisionLog(), settings=SETTINGS, model=now[1].model)
    _same_outcome(now[1], full)


def test_every_candidate_pair_shares_a_blocking_key_computed_in_python(
    rows: list[PersonRow],
) -> None:
    with SplinkScorer(SETTINGS) as scorer:
        table = scorer.register(rows)
        scored = scorer.score_all(table, scorer.train(table))
    keys = {r.record_key: set(blocking_keys(r)) for r in rows}
    assert len(scored) > 1000
    assert all(keys[p.left] & keys[p.right] for p in scored)
    assert blocking_keys(person_row({"resourceType": "Patient", "id": "empty"})) == []
