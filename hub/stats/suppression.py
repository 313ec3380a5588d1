"""Small-cell suppression with complementary suppression, for streets x counts tables. Pure.

A table is a matrix of non-negative counts (rows: streets; columns: counts) published with
its column totals (the district row) and, when ``row_totals`` is set, its row totals and
the grand total. Totals are cells too: they can be small, and they can be withheld.

1. Primary: every cell, total or not, with a count in [low, high] is suppressed.
2. Complementary, to a fixed point: a line (a row or a column with its total) holding
   exactly one suppressed cell gets a second one, the smallest other cell in the line
   (non-zero cells first: a suppressed zero may still be guessed as zero).
3. Two per line is not enough when rows and columns both have totals (a suppressed cell
   that bridges two groups is still fixed by the equations), so a last pass solves the
   line equations and suppresses more until no suppressed cell is determined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Suppression", "determined", "suppress"]

Cell = tuple[int, int]
Line = list[tuple[Cell, int]]  # cells with their coefficient: +1 inside, -1 the line's total


@dataclass(frozen=True)
class Suppression:
    """Which cells, row totals, column totals and grand total are withheld."""

    cells: list[list[bool]]
    column_totals: list[bool]
    row_totals: list[bool]
    grand_total: bool


def _extended(cells: Sequence[Sequence[int]], row_totals: bool) -> list[list[int]]:
    """The table with a column-total row (and a row-total column and the grand total)."""
    rows = [list(r) for r in cells]
    if row_totals:
        rows = [[*r, sum(r)] for r in rows]
    return [*rows, [sum(col) for col in zip(*rows, strict=True)]]


def _lines(n_rows: int, n_cols: int, row_totals: bool) -> list[Line]:
    """Every equation 'sum of the line's cells = its total' over the extended table."""
    cols = n_cols + (1 if row_totals else 0)
    lines: list[Line] = [
        [*(((r, c), 1) for r in range(n_rows)), ((n_rows, c), -1)] for c in range(cols)
    ]
    if row_totals:
        lines += [
            [*(((r, c), 1) for c in range(n_cols)), ((r, n_cols), -1)] for r in range(n_rows + 1)
        ]
    return lines


def _complement(line: Line, values: list[list[int]], hidden: list[list[bool]]) -> Cell | None:
    """The cell to suppress beside a lone suppressed cell in `line` (None: nothing to do)."""
    cells = [rc for rc, _ in line]
    if sum(hidden[r][c] for r, c in cells) != 1:
        return None
    free = [rc for rc in cells if not hidden[rc[0]][rc[1]]]
    return min(free, key=lambda rc: (values[rc[0]][rc[1]] == 0, values[rc[0]][rc[1]], rc))


def determined(hidden: list[list[bool]], lines: list[Line]) -> list[Cell]:
    """Suppressed cells whose value follows from the published cells (linear algebra)."""
    unknown = [(r, c) for r, row in enumerate(hidden) for c, h in enumerate(row) if h]
    if not unknown:
        return []
    index = {rc: k for k, rc in enumerate(unknown)}
    equations = []
    for line in lines:
        eq = np.zeros(len(unknown))
        for rc, coefficient in line:
            if rc in index:
                eq[index[rc]] = coefficient
        if eq.any():
            equations.append(eq)
    if not equations:
        return []
    a = np.array(equations)
    rank = np.linalg.matrix_rank(a)
    eye = np.eye(len(unknown))
    return [
        rc for k, rc in enumerate(unknown) if np.linalg.matrix_rank(np.vstack([a, eye[k]])) == rank
    ]


def _unfix(
    cell: Cell, values: list[list[int]], hidden: list[list[bool]], lines: list[Line]
) -> None:
    """Suppress the smallest cell sharing a line with `cell` that leaves it undetermined."""
    options = sorted(
        {rc for line in lines if any(rc == cell for rc, _ in line) for rc, _ in line} - {cell},
        key=lambda rc: (values[rc[0]][rc[1]] == 0, values[rc[0]][rc[1]], rc),
    )
    options = [rc for rc in options if not hidden[rc[0]][rc[1]]]
    for r, c in options:
        hidden[r][c] = True
        if cell not in determined(hidden, lines):
            return
        hidden[r][c] = False
    if not options:  # every cell of its lines is hidden and it is still fixed: impossible
        raise ValueError(f"cell {cell} stays determined with its whole lines hidden")
    hidden[options[0][0]][options[0][1]] = True  # no single cell frees it: add one, retry


def suppress(
    cells: Sequence[Sequence[int]], *, low: int, high: int, row_totals: bool = False
) -> Suppression:
    """Primary small cells plus complements, to a fixed point, totals included."""
    n_rows, n_cols = len(cells), len(cells[0]) if cells else 0
    values = _extended(cells, row_totals) if n_rows else []
    hidden = [[low <= v <= high for v in row] for row in values]
    lines = _lines(n_rows, n_cols, row_totals) if n_rows else []
    changed = True
    while changed:
        changed = False
        for line in lines:
            extra = _complement(line, values, hidden)
            if extra is not None:
                hidden[extra[0]][extra[1]] = True
                changed = True
    while fixed := determined(hidden, lines):
        _unfix(fixed[0], values, hidden, lines)
    if not n_rows:
        return Suppression([], [False] * n_cols, [], False)
    return Suppression(
        cells=[row[:n_cols] for row in hidden[:n_rows]],
        column_totals=hidden[n_rows][:n_cols],
        row_totals=[row[n_cols] for row in hidden[:n_rows]] if row_totals else [],
        grand_total=hidden[n_rows][n_cols] if row_totals else False,
    )
