"""The engine end to end on a labelled synthetic district (Splink on DuckDB, offline)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.identity import (
    IdentitySettings,
    InMemoryDecisionLog,
    LinkageModel,
    PersonRow,
    Resolution,
    accept,
    link_new,
    pairwise_scores,
    person_row,
    reject,
    resolve,
    split,
)
from tests.identity.identity_synthetic import RESIDENT_ID_SYSTEM, SyntheticDistrict, generate

pytestmark = pytest.mark.slow

SETTINGS = IdentitySettings(u_sample_pairs=5e5)
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _without_resident_id(patient: dict[str, Any]) -> dict[str, Any]:
    ids = [i for i in patient.get("identifier", []) if i["system"] != RESIDENT_ID_SYSTEM]
    return {**patient, "identifier": ids}


def _look_alike(key: str, name: str, birth: str, phone: str, address: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": key,
        "name": [{"text": name}],
        "gender": "male",
        "birthDate": birth,
        "telecom": [{"system": "phone", "value": phone}],
        "address": [{"text": address}],
    }


HOME = "上海市浦东新区长江街道东风路12号3栋401室"
#: Written by hand: (person, name as each system writes it, birth date, phone, address).
LOOK_ALIKES = [
    ("twin-a", ["张文", "张文", "Wen Zhang"], "1988-06-14", "13912345678", HOME),
    ("twin-b", ["张武", "张武", "ZHANG WU"], "1988-06-14", "13912345678", HOME),
    ("father", ["李建国", "李建国"], "1955-03-02", "13800001111", HOME.replace("12号", "15号")),
    ("son", ["李建国", "Li Jianguo"], "1982-11-20", "13800001111", HOME.replace("12号", "15号")),
    (
        "namesake-1",
        ["王伟", "王玮"],
        "1980-03-12",
        "13700002222",
        "浦东新区黄河街道团结路8号1栋101室",
    ),
    (
        "namesake-2",
        ["王伟", "Wang Wei"],
        "1980-07-25",
        "13600003333",
        "浦东新区人民街道幸福路9号2栋202室",
    ),
]


def _crafted() -> tuple[list[dict[str, Any]], dict[str, str]]:
    patients, truth = [], {}
    for person, names, birth, phone, address in LOOK_ALIKES:
        for i, name in enumerate(names):
            key = f"crafted-{person}-{i}"
            patients.append(_look_alike(key, name, birth, phone, address))
            truth[key] = person
    return patients, truth


@pytest.fixture(scope="module")
def district() -> SyntheticDistrict:
    """A district whose look-alikes carry no resident ID: the model must tell them apart."""
    d = generate(6000, seed=3, hard_negative_rate=0.05)
    planted = {k for pair in d.hard_negatives for k in pair}
    d.patients = [_without_resident_id(p) if p["id"] in planted else p for p in d.patients]
    crafted, truth = _crafted()
    d.patients += crafted
    d.truth |= truth
    return d


@pytest.fixture(scope="module")
def rows(district: SyntheticDistrict) -> list[PersonRow]:
    return [person_row(p) for p in district.patients]


@pytest.fixture(scope="module")
def first_run(rows: list[PersonRow]) -> Resolution:
    return resolve(rows, decisions=InMemoryDecisionLog(), settings=SETTINGS)


def test_automatic_links_are_precise_and_find_most_pairs(
    first_run: Resolution, rows: list[PersonRow], district: SyntheticDistrict
) -> None:
    scores = pairwise_scores(first_run.clustering.cluster_of, district.truth)
    assert scores.precision >= 0.999
    assert scores.recall >= 0.97
    exact_id = {r.record_key: r.resident_id or r.record_key for r in rows}
    baseline = pairwise_scores(exact_id, district.truth)
    assert scores.recall > baseline.recall + 0.5  # the model earns its keep over exact IDs


def test_no_planted_look_alike_is_merged(
    first_run: Resolution, district: SyntheticDistrict
) -> None:
    of = first_run.clustering.cluster_of
    assert len(district.hard_negatives) > 100
    merged = [(a, b) for a, b in district.hard_negatives if of[a] == of[b]]
    assert merged == []


def test_linking_unique_incomplete_records_adds_recall(
    first_run: Resolution, rows: list[PersonRow], district: SyntheticDistrict
) -> None:
    bolder = replace(SETTINGS, link_incomplete_when_unique=True)
    again = resolve(rows, decisions=InMemoryDecisionLog(), settings=bolder, model=first_run.model)
    before = pairwise_scores(first_run.clustering.cluster_of, district.truth)
    after = pairwise_scores(again.clustering.cluster_of, district.truth)
    assert after.recall > before.recall
    assert after.precision >= 0.999


def test_hand_written_look_alikes_stay_apart_and_each_stays_whole(
    first_run: Resolution,
) -> None:
    of = first_run.clustering.cluster_of
    clusters = {
        person: {of[f"crafted-{person}-{i}"] for i in range(len(names))}
        for person, names, *_ in LOOK_ALIKES
    }
    for pair in (("twin-a", "twin-b"), ("father", "son"), ("namesake-1", "namesake-2")):
        assert clusters[pair[0]].isdisjoint(clusters[pair[1]]), pair
    assert all(len(c) == 1 for c in clusters.values()), clusters


def test_uncertain_pairs_wait_in_the_review_queue(first_run: Resolution) -> None:
    queue = first_run.review_queue
    assert queue, "a noisy district always leaves something to review"
    assert all(SETTINGS.review_threshold <= i.probability for i in queue)
    of = first_run.clustering.cluster_of
    assert all(of[i.left] != of[i.right] for i in queue)


def test_failing_resident_ids_are_reported(first_run: Resolution) -> None:
    assert any(i.code == "resident-id-invalid" for i in first_run.quality_issues)


def test_model_round_trips_through_json(first_run: Resolution) -> None:
    assert LinkageModel.from_json(first_run.model.to_json()) == first_run.model


def _multi_member_cluster(resolution: Resolution) -> tuple[str, ...]:
    return next(m for m in resolution.clustering.members.values() if len(m) >= 3)


def test_a_split_survives_a_full_rerun(first_run: Resolution, rows: list[PersonRow]) -> None:
    members = _multi_member_cluster(first_run)
    log = InMemoryDecisionLog()
    split(log, [members[:1], members[1:]], reviewer="sw.wang", at=T0, reason="two people")
    again = resolve(rows, decisions=log, settings=SETTINGS, model=first_run.model)
    of = again.clustering.cluster_of
    assert all(of[members[0]] != of[m] for m in members[1:])
    assert len({of[m] for m in members[1:]}) == 1


def test_accept_and_reject_hold_on_rerun(first_run: Resolution, rows: list[PersonRow]) -> None:
    item = first_run.review_queue[0]
    a, _b, c = _multi_member_cluster(first_run)[:3]
    log = InMemoryDecisionLog()
    accept(log, item.left, item.right, reviewer="dr.li", at=T0, reason="same guardian")
    reject(log, a, c, reviewer="dr.li", at=T0, reason="different mothers")
    again = resolve(rows, decisions=log, settings=SETTINGS, model=first_run.model)
    of = again.clustering.cluster_of
    assert of[item.left] == of[item.right]
    assert of[a] != of[c]
    assert all({i.left, i.right} != {item.left, item.right} for i in again.review_queue)


def test_new_records_link_against_existing_golden_persons(
    first_run: Resolution, rows: list[PersonRow], district: SyntheticDistrict
) -> None:
    cut = len(rows) * 9 // 10
    existing, new = rows[:cut], rows[cut:]
    base = resolve(
        existing, decisions=InMemoryDecisionLog(), settings=SETTINGS, model=first_run.model
    )
    grown = link_new(
        existing, new, previous=base, decisions=InMemoryDecisionLog(), settings=SETTINGS
    )
    full = pairwise_scores(first_run.clustering.cluster_of, district.truth)
    incremental = pairwise_scores(grown.clustering.cluster_of, district.truth)
    assert incremental.precision >= 0.999
    assert incremental.recall >= full.recall - 0.01
    # golden persons that gained no member keep their id
    untouched = [g for g, m in base.clustering.members.items() if len(m) > 1]
    kept = sum(g in grown.clustering.members for g in untouched)
    assert kept >= 0.95 * len(untouched)


def test_golden_ids_survive_a_rerun_with_a_field_lost(
    first_run: Resolution, rows: list[PersonRow]
) -> None:
    renamed = [replace(r, guardian_pinyin=None) for r in rows]
    again = resolve(
        renamed, decisions=InMemoryDecisionLog(), settings=SETTINGS, model=first_run.model
    )
    same = set(again.clustering.members) & set(first_run.clustering.members)
    assert len(same) >= 0.98 * len(first_run.clustering.members)
