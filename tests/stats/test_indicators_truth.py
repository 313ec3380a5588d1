"""Every indicator equals the simulator's ground truth, for every month, year and area."""

from __future__ import annotations

from typing import Any

import pandas as pd  # type: ignore[import-untyped]

from hub.config import FollowUpRules, Settings
from hub.stats.periods import periods_within
from hub.stats.service import compute_from_store
from tests.stats.district import END, START

KEY = ["period_kind", "period", "street_code", "indicator"]


def test_every_indicator_equals_the_simulated_truth(synced: Any, tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path)
    result = compute_from_store(synced.store, settings, periods_within(START, END))
    ours = result.indicators.to_pandas().rename(columns={"area": "street_code"})
    truth = pd.read_parquet(synced.root / "truth" / "indicators.parquet")
    assert truth["denominator"].sum() > 0
    merged = truth.merge(ours, on=KEY, how="left", suffixes=("_truth", "_hub")).fillna(0)
    wrong = merged[
        (merged["numerator_truth"] != merged["numerator_hub"])
        | (merged["denominator_truth"] != merged["denominator_hub"])
    ]
    assert wrong.empty, wrong.head(20).to_string()
    # every area the hub reports is in the truth too (no invented rows)
    extra = ours.merge(truth, on=KEY, how="left", indicator=True)
    assert (extra["_merge"] == "both").all()


def test_the_intervals_come_from_settings(synced: Any, tmp_path: Any) -> None:
    """Tighter intervals can only lower the standardised count, and do lower it here."""
    periods = periods_within(START, END, ("year",))
    loose = compute_from_store(synced.store, Settings(data_dir=tmp_path), periods)
    strict = Settings(data_dir=tmp_path, follow_up=FollowUpRules(stable_max_days=20))
    tight = compute_from_store(synced.store, strict, periods)

    def standard(table: Any) -> int:
        frame = table.to_pandas()
        row = frame[(frame.indicator == "standardised_management_rate") & (frame.area == "310104")]
        return int(row["numerator"].iloc[0])

    assert standard(tight.indicators) < standard(loose.indicators)


def test_category_counts_add_up_to_the_registered(synced: Any, tmp_path: Any) -> None:
    periods = periods_within(START, END, ("year",))
    result = compute_from_store(synced.store, Settings(data_dir=tmp_path), periods)
    cats = result.categories.to_pandas()
    ind = result.indicators.to_pandas()
    for breakdown, indicator, side in (
        ("registered_by_diagnosis", "management_rate", "denominator"),
        ("managed_by_risk_level", "management_rate", "numerator"),
    ):
        got = cats[cats.breakdown == breakdown].groupby("area")["patients"].sum()
        want = ind[ind.indicator == indicator].set_index("area")[side]
        assert got.to_dict() == want[want > 0].to_dict(), breakdown
