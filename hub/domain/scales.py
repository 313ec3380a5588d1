"""Scoring of the rating scales seen in community mental-health care: SSRS, SDSS, BPRS, PANSS.

Pure functions over item answers as the sources record them (item id -> answer). Ranges are
derived from the item definitions, never quoted, so a change of definition moves them too.
A value outside an item's range raises ``ScaleItemError``; a missing item leaves the total
unset (``complete`` is False) so the caller can report it rather than guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "BPRS_ITEMS",
    "PANSS_ITEMS",
    "PANSS_SUBSCALES",
    "SDSS_ITEMS",
    "SDSS_NOT_APPLICABLE",
    "SSRS_ITEMS",
    "SSRS_SOURCES",
    "SSRS_SUBSCALES",
    "ItemSpec",
    "ScaleItemError",
    "ScaleScore",
    "score_bprs",
    "score_panss",
    "score_sdss",
    "score_ssrs",
    "sdss_impaired",
    "ssrs_band",
]

Answer = int | Sequence[int]


class ScaleItemError(ValueError):
    """An item answer outside what the item allows, or an item the scale does not have."""

    def __init__(self, scale: str, item: str, value: object, reason: str) -> None:
        self.scale, self.item, self.value = scale, item, value
        super().__init__(f"{scale} item {item}: {value!r} {reason}")


@dataclass(frozen=True)
class ItemSpec:
    """How one item scores: an option ``low..high``, a sum of parts, or a count of sources."""

    item_id: str
    low: int
    high: int
    parts: tuple[str, ...] = ()  # SSRS item 5: the sum of 5A-5E
    sources: int = 0  # SSRS items 6 and 7: the number of sources ticked among ``sources``

    @property
    def minimum(self) -> int:
        """Lowest score the item can take."""
        if self.sources:
            return 0
        return self.low * max(len(self.parts), 1)

    @property
    def maximum(self) -> int:
        """Highest score the item can take."""
        if self.sources:
            return self.sources
        return self.high * max(len(self.parts), 1)


@dataclass(frozen=True)
class ScaleScore:
    """Total and subscale scores of one filled-in scale, with its possible range."""

    scale: str
    total: int | None
    minimum: int
    maximum: int
    item_scores: dict[str, int] = field(default_factory=dict)
    subscales: dict[str, int] = field(default_factory=dict)
    subscale_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when every item that counts was answered."""
        return not self.missing


#: SSRS sources of help or comfort (items 6 and 7), as DOMAIN.md states: eight to tick.
SSRS_SOURCES = 8
SSRS_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec("1", 1, 4),
    ItemSpec("2", 1, 4),
    ItemSpec("3", 1, 4),
    ItemSpec("4", 1, 4),
    ItemSpec("5", 1, 4, parts=("5A", "5B", "5C", "5D", "5E")),
    ItemSpec("6", 0, 0, sources=SSRS_SOURCES),
    ItemSpec("7", 0, 0, sources=SSRS_SOURCES),
    ItemSpec("8", 1, 4),
    ItemSpec("9", 1, 4),
    ItemSpec("10", 1, 4),
)
SSRS_SUBSCALES: dict[str, tuple[str, ...]] = {
    "objective": ("2", "6", "7"),
    "subjective": ("1", "3", "4", "5"),
    "utilisation": ("8", "9", "10"),
}

SDSS_NOT_APPLICABLE = 9
SDSS_ITEMS: tuple[ItemSpec, ...] = tuple(ItemSpec(str(i), 0, 2) for i in range(1, 11))
BPRS_ITEMS: tuple[ItemSpec, ...] = tuple(ItemSpec(str(i), 1, 7) for i in range(1, 19))
PANSS_ITEMS: tuple[ItemSpec, ...] = tuple(ItemSpec(str(i), 1, 7) for i in range(1, 31))
PANSS_SUBSCALES: dict[str, tuple[str, ...]] = {
    "positive": tuple(str(i) for i in range(1, 8)),
    "negative": tuple(str(i) for i in range(8, 15)),
    "general": tuple(str(i) for i in range(15, 31)),
}


def _option(scale: str, item: str, value: Answer, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScaleItemError(scale, item, value, f"is not an option {low}-{high}")
    return value


def _count(scale: str, spec: ItemSpec, value: Answer) -> int:
    if isinstance(value, int):
        raise ScaleItemError(scale, spec.item_id, value, "should list the sources ticked")
    ticked = list(value)
    if len(set(ticked)) != len(ticked) or any(
        isinstance(s, bool) or not 1 <= s <= spec.sources for s in ticked
    ):
        raise ScaleItemError(
            scale, spec.item_id, value, f"should list distinct sources 1-{spec.sources}"
        )
    return len(ticked)  # 0 when none was ticked


def _check_known(scale: str, items: Mapping[str, Answer], specs: Sequence[ItemSpec]) -> None:
    known = {p for s in specs for p in (s.parts or (s.item_id,))}
    for item in items:
        if item not in known:
            raise ScaleItemError(scale, item, items[item], "is not an item of the scale")


def _item_scores(
    scale: str, items: Mapping[str, Answer], specs: Sequence[ItemSpec]
) -> tuple[dict[str, int], list[str]]:
    """Score of each answered item, and the items (or parts) left unanswered."""
    _check_known(scale, items, specs)
    scores: dict[str, int] = {}
    missing: list[str] = []
    for spec in specs:
        if spec.parts:
            absent = [p for p in spec.parts if p not in items]
            missing += absent
            if not absent:
                scores[spec.item_id] = sum(
                    _option(scale, p, items[p], spec.low, spec.high) for p in spec.parts
                )
        elif spec.item_id not in items:
            missing.append(spec.item_id)
        elif spec.sources:
            scores[spec.item_id] = _count(scale, spec, items[spec.item_id])
        else:
            scores[spec.item_id] = _option(
                scale, spec.item_id, items[spec.item_id], spec.low, spec.high
            )
    return scores, missing


def _summed(
    scale: str,
    items: Mapping[str, Answer],
    specs: Sequence[ItemSpec],
    subscales: Mapping[str, tuple[str, ...]],
) -> ScaleScore:
    scores, missing = _item_scores(scale, items, specs)
    by_id = {s.item_id: s for s in specs}
    complete = not missing
    return ScaleScore(
        scale=scale,
        total=sum(scores.values()) if complete else None,
        minimum=sum(s.minimum for s in specs),
        maximum=sum(s.maximum for s in specs),
        item_scores=scores,
        subscales={
            name: sum(scores[i] for i in ids)
            for name, ids in subscales.items()
            if all(i in scores for i in ids)
        },
        subscale_ranges={
            name: (sum(by_id[i].minimum for i in ids), sum(by_id[i].maximum for i in ids))
            for name, ids in subscales.items()
        },
        missing=tuple(missing),
    )


def score_ssrs(items: Mapping[str, Answer]) -> ScaleScore:
    """SSRS: total of the ten items; objective 2+6+7, subjective 1+3+4+5, utilisation 8+9+10."""
    return _summed("SSRS", items, SSRS_ITEMS, SSRS_SUBSCALES)


def ssrs_band(total: int, bands: tuple[int, int] = (22, 44)) -> str:
    """low (<= first), medium (<= second) or high; the cut-offs are configurable."""
    low_max, medium_max = bands
    if total <= low_max:
        return "low"
    return "medium" if total <= medium_max else "high"


def score_sdss(items: Mapping[str, Answer]) -> ScaleScore:
    """SDSS: sum of items rated 0/1/2; items rated 9 (not applicable) are left out."""
    _check_known("SDSS", items, SDSS_ITEMS)
    applicable = {k: v for k, v in items.items() if v != SDSS_NOT_APPLICABLE}
    specs = [s for s in SDSS_ITEMS if items.get(s.item_id) != SDSS_NOT_APPLICABLE]
    summed = _summed("SDSS", applicable, specs, {})
    not_applicable = tuple(
        s.item_id for s in SDSS_ITEMS if items.get(s.item_id) == SDSS_NOT_APPLICABLE
    )
    return ScaleScore(
        scale="SDSS",
        total=summed.total,
        minimum=summed.minimum,
        maximum=summed.maximum,
        item_scores=summed.item_scores,
        missing=summed.missing,
        not_applicable=not_applicable,
    )


def sdss_impaired(total: int, threshold: int = 2) -> bool:
    """True when an SDSS total shows social-function impairment (2 or more by default)."""
    return total >= threshold


def score_bprs(items: Mapping[str, Answer]) -> ScaleScore:
    """BPRS: 18 items rated 1-7, summed."""
    return _summed("BPRS", items, BPRS_ITEMS, {})


def score_panss(items: Mapping[str, Answer]) -> ScaleScore:
    """PANSS: 30 items rated 1-7; positive 1-7, negative 8-14, general 15-30."""
    return _summed("PANSS", items, PANSS_ITEMS, PANSS_SUBSCALES)
