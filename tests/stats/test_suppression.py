"""Small cells are suppressed, and no suppressed cell can be derived from what is published."""

from __future__ import annotations

import random

import numpy as np

from hub.config import PrivacySettings
from hub.stats.publication import publish_categories, publish_indicators
from hub.stats.suppression import Suppression, suppress


def _table(cells: list[list[int]], s: Suppression, row_totals: bool) -> tuple[list, list]:
    """(hidden mask, equations) over the table with its published totals, built independently."""
    n_rows, n_cols = len(cells), len(cells[0])
    ext = [[*row, sum(row)] if row_totals else list(row) for row in cells]
    ext.append([sum(col) for col in zip(*ext, strict=True)])
    mask = [[*s.cells[r], *([s.row_totals[r]] if row_totals else [])] for r in range(n_rows)]
    mask.append([*s.column_totals, *([s.grand_total] if row_totals else [])])
    equations = []  # each: {cell: coefficient}, sum = 0
    width = n_cols + (1 if row_totals else 0)
    for c in range(width):
        equations.append({**{(r, c): 1 for r in range(n_rows)}, (n_rows, c): -1})
    if row_totals:
        for r in range(n_rows + 1):
            equations.append({**{(r, c): 1 for c in range(n_cols)}, (r, n_cols): -1})
    return mask, equations


def _derivable(mask: list[list[bool]], equations: list[dict]) -> list[tuple[int, int]]:
    """Hidden cells fixed by the equations once the published cells are known."""
    unknown = [(r, c) for r, row in enumerate(mask) for c, h in enumerate(row) if h]
    if not unknown:
        return []
    a = np.array([[eq.get(rc, 0) for rc in unknown] for eq in equations], dtype=float)
    rank = np.linalg.matrix_rank(a)
    fixed = []
    for k, rc in enumerate(unknown):
        unit = np.zeros(len(unknown))
        unit[k] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:  # e_k in the row space
            fixed.append(rc)
    return fixed


def test_no_suppressed_cell_is_derivable_from_what_is_published() -> None:
    rng = random.Random(5)
    hidden_seen = 0
    for _ in range(300):
        rows, cols = rng.randint(1, 13), rng.randint(1, 7)
        values = [0, 1, 2, 3, 4, 5, 7, 12, 40]
        cells = [[rng.choice(values) for _ in range(cols)] for _ in range(rows)]
        for row_totals in (False, True):
            s = suppress(cells, low=1, high=4, row_totals=row_totals)
            mask, equations = _table(cells, s, row_totals)
            for r in range(rows):
                for c in range(cols):
                    assert s.cells[r][c] or not 1 <= cells[r][c] <= 4
            assert _derivable(mask, equations) == [], (cells, row_totals)
            hidden_seen += sum(map(sum, mask))
    assert hidden_seen > 0


def test_a_lone_small_cell_gets_a_complement_in_its_column() -> None:
    s = suppress([[3, 50], [20, 60], [30, 70]], low=1, high=4)
    assert s.cells == [[True, False], [True, False], [False, False]]
    assert s.column_totals == [False, False]


def test_a_single_small_street_hides_its_total_too() -> None:
    s = suppress([[2, 9]], low=1, high=4, row_totals=True)
    assert s.cells[0][0]
    assert s.column_totals[0]


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


def test_category_tables_withhold_small_cells_and_their_complements() -> None:
    rows = [
        {
            "period_kind": "year",
            "period": "2023",
            "breakdown": "registered_by_diagnosis",
            "area": area,
            "category": cat,
            "patients": n,
        }
        for area, cat, n in (
            ("s1", "01", 30),
            ("s1", "04", 3),
            ("s2", "01", 25),
            ("s2", "04", 8),
            ("d", "01", 55),
            ("d", "04", 11),
        )
    ]
    out = {
        (r["area"], r["category"]): r["patients"]
        for r in publish_categories(rows, "d", PrivacySettings())
    }
    assert out[("s1", "04")] is None
    hidden = [k for k, v in out.items() if v is None]
    assert len(hidden) >= 4  # a small cell needs a partner in its row and in its column
