"""Small-cell suppression with complementary suppression, for streets x counts tables. Pure.

A table is a matrix of non-negative counts (rows: streets; columns: counts) whose column
totals (the district row) are published, and, when ``row_totals`` is set, whose row totals
are published too. A cell with a count in [low, high] is suppressed (primary). Then, until
nothing changes: a line (row or column) that has a published total and exactly one
suppressed cell gets a second one, its smallest other published cell (non-zero cells first,
because a zero that is suppressed may still be guessed as zero), so that no suppressed
cell can be recovered by subtraction from the totals. Two per line is not enough when rows
and columns both have totals (a suppressed cell that bridges two groups is still fixed by
the equations), so a last pass solves the equations and adds cells until none is fixed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["suppress"]

Matrix = Sequence[Sequence[int]]


def _primary(cells: Matrix, low: int, high: int) -> list[list[bool]]:
    return [[low <= v <= high for v in row] for row in cells]


def _lines(n_rows: int, n_cols: int, row_totals: bool) -> list[list[tuple[int, int]]]:
    columns = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    rows = [[(r, c) for c in range(n_cols)] for r in range(n_rows)] if row_totals else []
    return columns + rows


def _complement(
    line: list[tuple[int, int]], cells: Matrix, hidden: list[list[bool]]
) -> tuple[int, int] | None:
    """The cell to suppress beside a lone suppressed cell in `line` (None: nothing to do)."""
    hidden_here = [rc for rc in line if hidden[rc[0]][rc[1]]]
    if len(hidden_here) != 1:
        return None
    candidates = [rc for rc in line if not hidden[rc[0]][rc[1]]]
    if not candidates:
        return None
    return min(candidates, key=lambda rc: (cells[rc[0]][rc[1]] == 0, cells[rc[0]][rc[1]], rc))


def suppress(cells: Matrix, *, low: int, high: int, row_totals: bool = False) -> list[list[bool]]:
    """Which cells to suppress: primary small cells plus complements, to a fixed point."""
    hidden = _primary(cells, low, high)
    n_rows = len(cells)
    n_cols = len(cells[0]) if n_rows else 0
    lines = _lines(n_rows, n_cols, row_totals)
    changed = True
    while changed:
        changed = False
        for line in lines:
            extra = _complement(line, cells, hidden)
            if extra is not None:
                hidden[extra[0]][extra[1]] = True
                changed = True
    while fixed := determined(hidden, lines):
        r, c = fixed[0]
        _unfix(r, c, cells, hidden, lines)
    return hidden


def determined(
    hidden: list[list[bool]], lines: list[list[tuple[int, int]]]
) -> list[tuple[int, int]]:
    """Suppressed cells whose value follows from the published totals (linear algebra)."""
    unknown = [(r, c) for r, row in enumerate(hidden) for c, h in enumerate(row) if h]
    if not unknown:
        return []
    index = {rc: k for k, rc in enumerate(unknown)}
    rows = []
    for line in lines:
        eq = np.zeros(len(unknown))
        for rc in line:
            if rc in index:
                eq[index[rc]] = 1.0
        if eq.any():
            rows.append(eq)
    if not rows:
        return []
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    eye = np.eye(len(unknown))
    return [
        rc for k, rc in enumerate(unknown) if np.linalg.matrix_rank(np.vstack([a, eye[k]])) == rank
    ]


def _unfix(
    r: int, c: int, cells: Matrix, hidden: list[list[bool]], lines: list[list[tuple[int, int]]]
) -> None:
    """Suppress the smallest cell in r's row or c's column that leaves (r, c) undetermined."""
    options = [
        (rr, cc)
        for rr, row in enumerate(hidden)
        for cc, h in enumerate(row)
        if not h and (rr == r or cc == c)
    ]
    options.sort(key=lambda rc: (cells[rc[0]][rc[1]] == 0, cells[rc[0]][rc[1]], rc))
    for rr, cc in options:
        hidden[rr][cc] = True
        if (r, c) not in determined(hidden, lines):
            return
        hidden[rr][cc] = False
    if options:  # no single cell frees it: take the smallest and look again
        hidden[options[0][0]][options[0][1]] = True
    else:  # every cell of its lines is hidden already: cannot happen with totals, but end
        raise ValueError(f"cell {(r, c)} stays determined with its whole row and column hidden")
