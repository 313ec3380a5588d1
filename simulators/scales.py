"""Scale answers as the agency records them: SSRS (Xiao Shuiyuan) and SDSS."""

from __future__ import annotations

import numpy as np

__all__ = ["SSRS_OPTION_ITEMS", "sdss", "ssrs"]

#: SSRS items answered by choosing option 1-4 (items 6 and 7 list the sources ticked).
SSRS_OPTION_ITEMS = ("1", "2", "3", "4", "8", "9", "10", "5A", "5B", "5C", "5D", "5E")
_SDSS_VALUES = np.array([0, 1, 2, 9])  # none, definite, severe, not applicable
_SDSS_CUM = np.cumsum([0.45, 0.35, 0.15, 0.05])

Items = dict[str, int | list[int]]


def ssrs(rng: np.random.Generator) -> tuple[Items, int]:
    """SSRS answers and the agency's total (option values + number of sources in 6 and 7)."""
    options = rng.integers(1, 5, 12).tolist()
    items: Items = dict(zip(SSRS_OPTION_ITEMS, options, strict=True))
    chosen = (rng.random((2, 8)) < 0.25).tolist()
    items["6"] = [i + 1 for i in range(8) if chosen[0][i]]
    items["7"] = [i + 1 for i in range(8) if chosen[1][i]]
    total = sum(v if isinstance(v, int) else len(v) for v in items.values())
    return items, total


def sdss(rng: np.random.Generator) -> tuple[Items, int]:
    """SDSS answers (0, 1, 2 or 9 for each of ten items) and the total without the 9s."""
    values = _SDSS_VALUES[np.searchsorted(_SDSS_CUM, rng.random(10))].tolist()
    items: Items = {str(i + 1): v for i, v in enumerate(values)}
    return items, sum(v for v in values if v != 9)
