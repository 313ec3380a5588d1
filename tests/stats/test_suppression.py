"""Small cells are suppressed, and no suppressed cell can be derived from the totals."""

from __future__ import annotations

import random

import numpy as np

from hub.config import PrivacySettings
from hub.stats.publication import publish_indicators
from hub.stats.suppression import suppress


def _derivable(cells: list[list[int]], hidden: list[list[bool]], row_totals: bool) -> list[int]:
    """Suppressed cells fixed by the published column (and row) totals: linear algebra."""
    unknown = [(r, c) for r, row in enumerate(hidden) for c, h in enumerate(row) if h]
    index = {rc: k for k, rc in enumerate(unknown)}
    equations = []
    n_rows, n_cols = len(cells), len(cells[0])
    lines = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    if row_totals:
        lines += [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    for line in lines:
        eq = np.zeros(len(unknown))
        for rc in line:
            if rc in index:
                eq[index[rc]] = 1
        if eq.any():
            equations.append(eq)
    if not equations:
        return []
    a = np.array(equations)
    rank = np.linalg.matrix_rank(a)
    fixed = []
    for k in range(len(unknown)):
        unit = np.zeros(len(unknown))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:  # e_k in the row space
            fixed.append(k)
    return fixed


def test_no_suppressed_cell_is_derivable_from_totals() -> None:
    rng = random.Random(5)
    checked = 0
    for _ in range(300):
        rows, cols = rng.randint(2, 13), rng.randint(2, 7)
        cells = [
            [rng.choice([0, 1, 2, 3, 4, 5, 7, 12, 40]) for _ in range(cols)] for _ in range(rows)
        ]
        for row_totals in (False, True):
            hidden = suppress(cells, low=1, high=4, row_totals=row_totals)
            for r in range(rows):
                for c in range(cols):
                    if 1 <= cells[r][c] <= 4:
                        assert hidden[r][c]
            assert _derivable(cells, hidden, row_totals) == []
            checked += sum(map(sum, hidden))
    assert checked > 0


def test_a_lone_small_cell_gets_a_complement_in_its_column() -> None:
    cells = [[3, 50], [20, 60], [30, 70]]
    hidden = suppress(cells, low=1, high=4)
    assert hidden == [[True, False], [True, False], [False, False]]


def test_published_rates_hide_what_is_suppressed() -> None:
    rows = [
        {
            "period_kind": "month",
            "period": "2023-05",
            "area": area,
            "indicator": "stable_rate",
            "numerator": num,
            "denominator": den,
        }
        for area, num, den in (("s1", 2, 10), ("s2", 9, 12), ("s3", 11, 30), ("d", 22, 52))
    ]
    cells = {c.area: c for c in publish_indicators(rows, "d", PrivacySettings())}
    assert cells["s1"].numerator is None
    assert cells["s1"].rate is None
    assert cells["s2"].numerator is None  # the complement: next smallest in the column
    assert cells["s3"].numerator == 11
    assert cells["s3"].rate == 11 / 30
    assert cells["d"].numerator == 22
