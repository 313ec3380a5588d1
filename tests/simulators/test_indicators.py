"""The true indicators agree with a plain re-computation from the emitted (clean) data.

The reference below follows simulators/README.md word by word, one patient at a time, from
the station exports and the HIS views; the simulator computes the same vectorised from its
internal events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import pytest

from simulators import SimulationSummary
from tests.simulators import readers


def _allowed(cls: str, prev: str) -> int:
    return {"1": 14, "3": 92}.get(cls, 31 if prev == "2" else 14)


@dataclass(frozen=True)
class World:
    """The emitted clean data the reference reads."""

    first: pd.DataFrame  # first 基本信息 row per 登记编号
    gone: pd.Series  # 登记编号 -> date of death or move out
    visits: pd.DataFrame
    adm: pd.DataFrame  # v_admission with the 登记编号 of the same true person


@pytest.fixture(scope="module")
def world(clean_run: SimulationSummary) -> World:
    out = clean_run.out
    reg = readers.read_station(out, "基本信息")
    first = reg.drop_duplicates("登记编号", keep="first").set_index("登记编号")
    status = reg.drop_duplicates("登记编号", keep="last").set_index("登记编号")
    gone = status.loc[status["管理状态"].isin(["死亡", "迁出"]), "状态变更日期"]
    visits = readers.read_station(out, "随访记录").sort_values(["登记编号", "随访日期"])
    truth = readers.truth(out, "record_persons")
    person = dict(zip(truth["source_key"], truth["person_id"], strict=False))
    station_of = {person[k]: k for k in first.index}
    adm = readers.read_his(out, "v_admission")
    adm["reg"] = [station_of[person[k]] for k in adm["adm_id"]]
    return World(first, gone, visits, adm)


def _registered(w: World, lo: str, hi: str) -> list[str]:
    first, gone = w.first, w.gone
    return [
        k
        for k in first.index
        if first.loc[k, "建档日期"] <= hi and not (k in gone.index and gone[k] < lo)
    ]


def _reference(w: World, lo: str, hi: str, street: str | None) -> dict[str, tuple[int, int]]:
    first, visits, adm = w.first, w.visits, w.adm
    registered = [
        k for k in _registered(w, lo, hi) if street is None or first.loc[k, "所属街道"] == street
    ]
    counts = dict.fromkeys(["managed", "standard", "medicated", "face", "stable"], 0)
    for key in registered:
        mine = visits[visits["登记编号"] == key]
        inside = mine[(mine["随访日期"] >= lo) & (mine["随访日期"] <= hi)]
        if inside.empty:
            continue
        counts["managed"] += 1
        counts["medicated"] += inside["服药依从性"].isin(["1", "2"]).any()
        counts["face"] += inside["随访方式"].isin(["1", "2"]).any()
        counts["stable"] += inside["本次随访分类"].iloc[-1] == "3"
        stays = adm.loc[(adm["reg"] == key) & adm["dis_time"].notna(), "dis_time"].str[:10]
        counts["standard"] += _to_standard(mine, inside, list(stays))
    n = len(registered)
    return {
        "management_rate": (counts["managed"], n),
        "standardised_management_rate": (counts["standard"], n),
        "medication_rate": (counts["medicated"], n),
        "face_to_face_rate": (counts["face"], n),
        "stable_rate": (counts["stable"], counts["managed"]),
    }


def _to_standard(mine: pd.DataFrame, inside: pd.DataFrame, stays: list[str]) -> bool:
    rows = list(mine.itertuples(index=False))
    for i, r in enumerate(rows):
        if r.随访日期 not in set(inside["随访日期"]) or i == 0:
            continue
        prev, day = rows[i - 1], date.fromisoformat(r.随访日期)
        before = rows[i - 2].本次随访分类 if i >= 2 else ""
        between = [s for s in stays if prev.随访日期 < s < r.随访日期]
        if between:
            if day - date.fromisoformat(max(between)) > timedelta(days=14):
                return False
        elif day - date.fromisoformat(prev.随访日期) > timedelta(
            days=_allowed(prev.本次随访分类, before)
        ):
            return False
    return True


def _truth(
    run: SimulationSummary, kind: str, period: str, street: str
) -> dict[str, tuple[int, int]]:
    t = readers.truth(run.out, "indicators")
    rows = t[(t["period_kind"] == kind) & (t["period"] == period) & (t["street_code"] == street)]
    return {r.indicator: (r.numerator, r.denominator) for r in rows.itertuples()}


@pytest.mark.parametrize(
    ("period", "lo", "hi"),
    [("2023-06", "2023-06-01", "2023-06-30"), ("2024-11", "2024-11-01", "2024-11-30")],
)
def test_monthly_district_indicators(
    world: World, clean_run: SimulationSummary, period: str, lo: str, hi: str
) -> None:
    expected = _reference(world, lo, hi, None)
    actual = _truth(clean_run, "month", period, "310104")
    assert expected["management_rate"][1] > 50  # a real denominator
    assert 0 < expected["management_rate"][0] < expected["management_rate"][1]
    for name, value in expected.items():
        assert actual[name] == value, name


def test_yearly_street_indicators(
    world: World,
    clean_run: SimulationSummary,
) -> None:
    street = "310104006"
    expected = _reference(world, "2023-01-01", "2023-12-31", street)
    actual = _truth(clean_run, "year", "2023", street)
    for name in ("management_rate", "medication_rate", "face_to_face_rate", "stable_rate"):
        assert actual[name] == expected[name], name
    # a year also asks for 4 follow-ups of patients registered all year: never more than the
    # gap rule alone allows
    assert actual["standardised_management_rate"][0] <= expected["standardised_management_rate"][0]


def test_discharge_indicators(world: World, clean_run: SimulationSummary) -> None:
    adm, visits = world.adm, world.visits
    out = adm.dropna(subset=["dis_time"])
    out = out[(out["dis_time"] >= "2023-01-01") & (out["dis_time"] < "2024-01-01")]
    followed = readmitted = 0
    for row in out.itertuples():
        day = date.fromisoformat(row.dis_time[:10])
        seen = visits.loc[visits["登记编号"] == row.reg, "随访日期"].map(date.fromisoformat)
        followed += any(timedelta(days=1) <= s - day <= timedelta(days=14) for s in seen)
        again = adm.loc[adm["reg"] == row.reg, "adm_time"].str[:10].map(date.fromisoformat)
        readmitted += any(timedelta(days=1) <= a - day <= timedelta(days=30) for a in again)
    actual = _truth(clean_run, "year", "2023", "310104")
    assert actual["readmission_30d"] == (readmitted, len(out))
    assert actual["discharge_follow_up_14d"][0] == followed
    assert len(out) > 0
