"""The generated data follows DOMAIN.md: diagnoses, follow-up intervals, scales, indicators."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulators import SimulationSummary, StandardIntervals
from simulators.cohort import make_cohort
from tests.simulators import readers

RULES = StandardIntervals()


def _allowed(cls: str, prev: str) -> int:
    """DOMAIN.md: unstable 2 weeks; basically stable 2 weeks, then 1 month; stable 3 months."""
    if cls == "1":
        return 14
    if cls == "2":
        return 31 if prev == "2" else 14
    return 92


@pytest.fixture(scope="module")
def visits(clean_run: SimulationSummary) -> pd.DataFrame:
    v = readers.read_station(clean_run.out, "随访记录")
    v["day"] = pd.to_datetime(v["随访日期"])
    v = v.sort_values(["登记编号", "day"], kind="stable").reset_index(drop=True)
    v["prev"] = v.groupby("登记编号")["本次随访分类"].shift(1).fillna("")
    return v


def test_diagnoses_follow_the_registered_population_shares() -> None:
    cohort = make_cohort(np.random.default_rng(3), 4000, 19358, 19358 + 365)
    shares = cohort.persons["diagnosis"].value_counts(normalize=True)
    assert 0.72 < shares["01"] < 0.78  # schizophrenia about three quarters
    assert shares.drop("01").idxmax() == "04"  # then bipolar disorder
    assert shares.drop(["01", "04"]).max() < 0.07  # the rest small


def test_next_visit_date_is_what_the_class_allows(visits: pd.DataFrame) -> None:
    planned = (pd.to_datetime(visits["下次随访日期"]) - visits["day"]).dt.days
    allowed = [_allowed(c, p) for c, p in zip(visits["本次随访分类"], visits["prev"], strict=True)]
    assert (planned == allowed).all()


def test_class_agrees_with_risk_level(visits: pd.DataFrame) -> None:
    risk = visits["危险性评估"].astype(int)
    cls = visits["本次随访分类"]
    assert (risk[cls == "3"] == 0).all()  # stable: risk 0
    assert (cls[risk >= 3] == "1").all()  # risk 3-5: unstable
    assert (risk[cls == "2"] <= 2).all()  # basically stable: risk 1-2 (or symptoms)


def test_intervals_mostly_keep_to_the_class_and_some_lapse(
    visits: pd.DataFrame, clean_run: SimulationSummary
) -> None:
    gaps = visits.groupby("登记编号")["day"].diff().dt.days
    limit = pd.Series(
        [
            _allowed(c, p)
            for c, p in zip(
                visits.groupby("登记编号")["本次随访分类"].shift(1).fillna(""),
                visits.groupby("登记编号")["prev"].shift(1).fillna(""),
                strict=True,
            )
        ]
    )
    after_stay = visits["住院情况"] == "2"
    ok = (gaps <= limit)[gaps.notna() & ~after_stay]
    assert ok.mean() > 0.85
    assert not ok.all()  # lapses exist


def test_at_least_four_follow_ups_a_year_for_most(
    visits: pd.DataFrame, clean_run: SimulationSummary
) -> None:
    reg = readers.read_station(clean_run.out, "基本信息")
    left = set(reg.loc[reg["管理状态"] != "在管", "登记编号"])
    stayed = set(reg.loc[reg["建档日期"] < "2023-01-01", "登记编号"]) - left
    first_year = visits[(visits["day"] < "2024-01-01") & visits["登记编号"].isin(stayed)]
    per_patient = first_year.groupby("登记编号").size().reindex(sorted(stayed), fill_value=0)
    assert (per_patient >= 4).mean() > 0.85  # all but the lapsing tenth or so


def test_no_follow_up_after_loss_death_or_move(
    visits: pd.DataFrame, clean_run: SimulationSummary
) -> None:
    reg = readers.read_station(clean_run.out, "基本信息")
    ended = reg[reg["管理状态"] != "在管"].set_index("登记编号")["状态变更日期"]
    assert len(ended)
    last = visits.groupby("登记编号")["随访日期"].max()
    for key, when in ended.items():
        assert key not in last or last[key] < when


def test_ward_scales_have_their_items_and_ranges(clean_run: SimulationSummary) -> None:
    scales = readers.read_his(clean_run.out, "v_scale_assessment")
    assert set(scales["scale_code"]) == {"BPRS", "PANSS"}
    for code, items, total in zip(
        scales["scale_code"], scales["items_json"], scales["total_score"], strict=True
    ):
        values = json.loads(items)
        assert sorted(values, key=int) == [str(i) for i in range(1, 19 if code == "BPRS" else 31)]
        assert all(1 <= v <= 7 for v in values.values())
        assert total == sum(values.values())


def test_agency_scales_have_their_items_and_ranges(clean_run: SimulationSummary) -> None:
    docs = readers.read_agency(clean_run.out, "scales")
    assert {d["scale"] for d in docs} == {"SSRS", "SDSS"}
    for d in docs:
        items = d["items"]
        if d["scale"] == "SSRS":
            options = [k for k in items if k not in ("6", "7")]
            assert sorted(options) == sorted(
                ["1", "2", "3", "4", "8", "9", "10", "5A", "5B", "5C", "5D", "5E"]
            )
            assert all(1 <= items[k] <= 4 for k in options)
            assert all(set(items[k]) <= set(range(1, 9)) for k in ("6", "7"))
            total = sum(items[k] for k in options) + len(items["6"]) + len(items["7"])
            assert d["reported_total"] == total <= 64
        else:
            assert sorted(items, key=int) == [str(i) for i in range(1, 11)]
            assert set(items.values()) <= {0, 1, 2, 9}
            assert d["reported_total"] == sum(v for v in items.values() if v != 9) <= 20


def test_supervisions_follow_the_five_steps(clean_run: SimulationSummary) -> None:
    steps = [
        "collect_information",
        "analyse_and_diagnose",
        "plan",
        "supervise_implementation",
        "feedback_and_evaluation",
    ]
    for d in readers.read_agency(clean_run.out, "supervisions"):
        assert [s["step"] for s in d["steps"]] == steps
        done = [s["done_on"] for s in d["steps"] if s["done_on"]]
        assert done == sorted(done)
        assert (d["status"] == "completed") == (len(done) == 5)


def test_hospital_codes_follow_the_national_diagnosis(clean_run: SimulationSummary) -> None:
    """01 F20, 02 F25, 03 F22, 04 F31, 05 F06 with G40, 06 F70-F79."""
    prefixes = {
        "01": ("F20",),
        "02": ("F25",),
        "03": ("F22",),
        "04": ("F31",),
        "05": ("F06", "G40"),
        "06": tuple(f"F7{i}" for i in range(10)),
    }
    truth = readers.truth(clean_run.out, "record_persons")
    owner = dict(zip(truth["source_key"], truth["person_id"], strict=False))
    national = readers.truth(clean_run.out, "persons").set_index("person_id")["diagnosis"]
    confirmed = readers.read_his(clean_run.out, "v_diagnosis")
    confirmed = confirmed[confirmed["diag_type"] == "3"]
    for pat_id, codes in confirmed.groupby("pat_id")["icd10"]:
        dx = national[owner[pat_id]]
        found = sorted(c[:3] for c in codes)
        if dx == "05":
            assert found == ["F06", "G40"]
        else:
            assert len(found) == 1
            assert found[0] in prefixes[dx]
