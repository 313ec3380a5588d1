"""Each labelled cross-source defect shows in the files, beside the person's other records."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd

from simulators import SimulationSummary
from tests.simulators import readers


def _labelled(run: SimulationSummary, defect: str) -> set[str]:
    """Keys labelled with this defect and no other (the row a truncation cut is left out)."""
    defects = readers.truth(run.out, "defects")
    labels = defects.groupby("source_key")["defect"].agg(list)
    keys = {str(k) for k, kinds in labels.items() if kinds == [defect]}
    assert keys, f"no {defect} in the noisy run"
    return keys


def _persons(run: SimulationSummary, kind: str) -> dict[str, str]:
    truth = readers.truth(run.out, "record_persons")
    rows = truth[truth["record_kind"] == kind]
    return dict(zip(rows["source_key"].astype(str), rows["person_id"], strict=True))


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def _follow_ups(run: SimulationSummary, keys: set[str]) -> pd.DataFrame:
    visits = readers.read_station(run.out, "随访记录")
    return visits[visits["随访编号"].isin(keys)].drop_duplicates("随访编号")


def _stays(run: SimulationSummary) -> dict[str, list[tuple[date, date]]]:
    """Person -> (admitted, discharged) of every discharged stay the HIS holds; a person with
    a damaged admission has none (the stay the defect was placed in may be that one)."""
    persons = _persons(run, "hospital.admission")
    defects = readers.truth(run.out, "defects")
    damaged = set(defects.loc[defects["record_kind"] == "hospital.admission", "source_key"])
    unsure = {persons[k] for k in damaged if k in persons}
    stays: dict[str, list[tuple[date, date]]] = {}
    for row in readers.read_his(run.out, "v_admission").itertuples():
        if persons[row.adm_id] not in unsure and isinstance(row.dis_time, str) and row.dis_time:
            stays.setdefault(persons[row.adm_id], []).append(
                (_day(row.adm_time), _day(row.dis_time))
            )
    return {p: s for p, s in stays.items() if p not in unsure}


def test_follow_ups_during_a_stay_fall_strictly_inside_one(noisy_run: SimulationSummary) -> None:
    keys = _labelled(noisy_run, "follow_up_during_stay")
    persons, stays = _persons(noisy_run, "station.follow_up"), _stays(noisy_run)
    rows = _follow_ups(noisy_run, keys)
    rows = rows[rows["随访编号"].map(persons).isin(stays)]
    assert len(rows) > 0
    for row in rows.itertuples():
        day = _day(row.随访日期)
        assert row.随访方式 == "2"  # a home visit: not a phone call to the family
        assert any(a < day < d for a, d in stays[persons[row.随访编号]]), row.随访编号


def test_visits_after_death_are_dated_after_the_true_death(noisy_run: SimulationSummary) -> None:
    keys = _labelled(noisy_run, "visits_after_death")
    persons = _persons(noisy_run, "station.follow_up")
    people = readers.truth(noisy_run.out, "persons").set_index("person_id")
    rows = _follow_ups(noisy_run, keys)
    assert len(rows) > 0
    for row in rows.itertuples():
        died = people.loc[persons[row.随访编号], "died_on"]
        assert died, row.随访编号
        assert _day(row.随访日期) > _day(died), row.随访编号


def test_high_risk_follow_ups_are_followed_by_nothing_for_two_weeks(
    noisy_run: SimulationSummary,
) -> None:
    keys = _labelled(noisy_run, "high_risk_without_action")
    persons = _persons(noisy_run, "station.follow_up")
    visits = readers.read_station(noisy_run.out, "随访记录")
    visits["person"] = visits["随访编号"].map(persons)
    days = visits.groupby("person")["随访日期"].apply(lambda d: sorted(_day(x) for x in d if x))
    stays = _stays(noisy_run)
    scores = readers.truth(noisy_run.out, "scale_scores").set_index("source_key")
    rows = _follow_ups(noisy_run, keys)
    assert len(rows) > 0
    for row in rows.itertuples():
        day, person = _day(row.随访日期), persons[row.随访编号]
        window = (day, day + timedelta(days=14))
        assert (row.危险性评估, row.是否转诊) == ("3", "1")
        assert int(scores.loc[row.随访编号, "value"]) == 3  # the truth holds the level written
        assert not any(window[0] < d <= window[1] for d in days[person]), row.随访编号
        assert not any(window[0] < a <= window[1] for a, _ in stays.get(person, []))


def test_discharges_before_admission_precede_it(noisy_run: SimulationSummary) -> None:
    keys = _labelled(noisy_run, "discharge_before_admission")
    rows = readers.read_his(noisy_run.out, "v_admission")
    rows = rows[rows["adm_id"].isin(keys)]
    assert len(rows) == len(keys)
    assert all(_day(d) < _day(a) for a, d in zip(rows["adm_time"], rows["dis_time"], strict=True))


def test_ward_totals_disagree_with_their_items(noisy_run: SimulationSummary) -> None:
    keys = _labelled(noisy_run, "scale_total_mismatch")
    rows = readers.read_his(noisy_run.out, "v_scale_assessment")
    rows = rows[rows["assess_id"].isin(keys)].drop_duplicates("assess_id")
    assert len(rows) == len(keys)
    for items, total in zip(rows["items_json"], rows["total_score"], strict=True):
        assert 1 <= int(total) - sum(json.loads(items).values()) <= 5
