"""Scale scoring: SSRS subscales and derived range, SDSS with 9 left out, BPRS and PANSS."""

from __future__ import annotations

import pytest

from hub.domain.scales import (
    SSRS_ITEMS,
    SSRS_SOURCES,
    ScaleItemError,
    score_bprs,
    score_panss,
    score_sdss,
    score_ssrs,
    sdss_impaired,
    ssrs_band,
)

LOWEST_SSRS = {
    **dict.fromkeys(("1", "2", "3", "4", "8", "9", "10"), 1),
    **dict.fromkeys(("5A", "5B", "5C", "5D", "5E"), 1),
    "6": [],
    "7": [],
}


def test_ssrs_subscales_follow_the_item_groups() -> None:
    items = {"1": 2, "2": 3, "3": 4, "4": 1, "6": [1, 4, 7], "7": [2], "8": 2, "9": 3, "10": 4}
    items |= {"5A": 4, "5B": 3, "5C": 2, "5D": 1, "5E": 1}
    score = score_ssrs(items)  # type: ignore[arg-type]
    assert score.item_scores["5"] == 4 + 3 + 2 + 1 + 1
    assert score.subscales == {
        "objective": 3 + 3 + 1,
        "subjective": 2 + 4 + 1 + 11,
        "utilisation": 2 + 3 + 4,
    }
    assert score.total == sum(score.subscales.values())


def test_ssrs_no_source_ticked_scores_zero() -> None:
    score = score_ssrs(LOWEST_SSRS)  # type: ignore[arg-type]
    assert score.item_scores["6"] == 0
    assert score.item_scores["7"] == 0


def test_ssrs_range_is_derived_from_the_items() -> None:
    highest = dict.fromkeys(("1", "2", "3", "4", "8", "9", "10"), 4)
    highest |= dict.fromkeys(("5A", "5B", "5C", "5D", "5E"), 4)
    every_source = list(range(1, SSRS_SOURCES + 1))
    highest |= {"6": every_source, "7": every_source}
    top = score_ssrs(highest)  # type: ignore[arg-type]
    bottom = score_ssrs(LOWEST_SSRS)  # type: ignore[arg-type]
    # The declared range is what the extreme answers actually score.
    assert top.total == top.maximum
    assert bottom.total == bottom.minimum
    assert top.maximum == sum(s.maximum for s in SSRS_ITEMS)
    assert top.subscale_ranges["objective"][1] == top.subscales["objective"]


@pytest.mark.parametrize(
    ("items", "bad_item"),
    [
        ({"1": 5}, "1"),
        ({"5C": 0}, "5C"),
        ({"6": [1, 1]}, "6"),
        ({"7": [SSRS_SOURCES + 1]}, "7"),
        ({"6": 2}, "6"),
        ({"11": 1}, "11"),
    ],
)
def test_ssrs_rejects_impossible_answers(items: dict[str, object], bad_item: str) -> None:
    with pytest.raises(ScaleItemError) as caught:
        score_ssrs({**LOWEST_SSRS, **items})  # type: ignore[dict-item]
    assert caught.value.item == bad_item


def test_ssrs_missing_item_leaves_total_unset() -> None:
    items = {k: v for k, v in LOWEST_SSRS.items() if k != "5B"}
    score = score_ssrs(items)  # type: ignore[arg-type]
    assert score.total is None
    assert score.missing == ("5B",)
    assert "subjective" not in score.subscales
    assert score.subscales["objective"] == 1


@pytest.mark.parametrize(
    ("total", "band"), [(22, "low"), (23, "medium"), (44, "medium"), (45, "high")]
)
def test_ssrs_bands(total: int, band: str) -> None:
    assert ssrs_band(total) == band


def test_sdss_leaves_not_applicable_items_out() -> None:
    items = {str(i): 1 for i in range(1, 11)} | {"2": 9, "3": 9, "4": 2}
    score = score_sdss(items)
    assert score.total == 7 * 1 + 2
    assert score.not_applicable == ("2", "3")
    assert score.maximum == 2 * 8


def test_sdss_impairment_starts_at_two() -> None:
    assert not sdss_impaired(score_sdss({str(i): 0 for i in range(1, 11)} | {"5": 1}).total or 0)
    assert sdss_impaired(score_sdss({str(i): 0 for i in range(1, 11)} | {"5": 2}).total or 0)


@pytest.mark.parametrize("value", [3, -1])
def test_sdss_rejects_ratings_outside_0_1_2_9(value: int) -> None:
    with pytest.raises(ScaleItemError):
        score_sdss({str(i): 0 for i in range(1, 11)} | {"4": value})


def test_panss_subscales_and_bprs_total() -> None:
    panss = score_panss({str(i): (2 if i <= 7 else 3 if i <= 14 else 1) for i in range(1, 31)})
    assert panss.subscales == {"positive": 14, "negative": 21, "general": 16}
    assert panss.total == 51
    assert (panss.minimum, panss.maximum) == (30, 210)
    bprs = score_bprs({str(i): 4 for i in range(1, 19)})
    assert (bprs.total, bprs.minimum, bprs.maximum) == (72, 18, 126)
