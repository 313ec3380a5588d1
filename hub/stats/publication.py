"""Published statistics: suppressed cells, and the FHIR Measure / MeasureReport resources. Pure.

A cell is published as its count or as None (suppressed). Per period, the streets x
(numerator, denominator of each indicator) table has the district row as column totals;
the streets x category tables also have the street's total as row totals. A rate is
published only when both its numerator and denominator are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from hub.config import PrivacySettings
from hub.domain.codes import CANONICAL_BASE
from hub.domain.identifiers import stable_id
from hub.stats.indicators import INDICATORS
from hub.stats.suppression import suppress

__all__ = [
    "PublishedCell",
    "measure_reports",
    "measures",
    "publish_categories",
    "publish_indicators",
]


@dataclass(frozen=True)
class PublishedCell:
    """One published figure: counts or None where suppressed, and the rate when both show."""

    period_kind: str
    period: str
    area: str
    indicator: str
    numerator: int | None
    denominator: int | None

    @property
    def rate(self) -> float | None:
        """numerator / denominator, when both are published and the denominator is not 0."""
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def suppressed(self) -> bool:
        """Whether any part of the figure is withheld."""
        return self.numerator is None or self.denominator is None


def publish_indicators(
    rows: list[dict[str, Any]], district: str, privacy: PrivacySettings
) -> list[PublishedCell]:
    """Suppress each period's streets x counts table; district rows stay (column totals)."""
    by_period: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_period[(row["period_kind"], row["period"])].append(row)
    out: list[PublishedCell] = []
    for (kind, label), part in sorted(by_period.items()):
        streets = sorted({r["area"] for r in part if r["area"] != district})
        names = sorted({r["indicator"] for r in part})
        value = {(r["area"], r["indicator"]): r for r in part}
        columns = [(n, side) for n in names for side in ("numerator", "denominator")]
        cells = [[_get(value, s, n, side) for n, side in columns] for s in streets]
        total_row = [_get(value, district, n, side) for n, side in columns]
        result = suppress(cells, low=privacy.small_cell_min, high=privacy.small_cell_max)
        hidden, hidden_total = result.cells, result.column_totals
        if not streets:  # nothing to complement: the district cells alone
            hidden_total = [
                privacy.small_cell_min <= v <= privacy.small_cell_max for v in total_row
            ]
        for area, row_cells, row_hidden in [
            *zip(streets, cells, hidden, strict=True),
            (district, total_row, hidden_total),
        ]:
            for j in range(0, len(columns), 2):
                num = None if row_hidden[j] else row_cells[j]
                den = None if row_hidden[j + 1] else row_cells[j + 1]
                out.append(PublishedCell(kind, label, area, columns[j][0], num, den))
    return out


def _get(value: dict[tuple[str, str], dict[str, Any]], area: str, name: str, side: str) -> int:
    row = value.get((area, name))
    return int(row[side]) if row else 0


def publish_categories(
    rows: list[dict[str, Any]], district: str, privacy: PrivacySettings
) -> list[dict[str, Any]]:
    """Streets x categories per period and breakdown, with row and column totals suppressed."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["period_kind"], row["period"], row["breakdown"])].append(row)
    out: list[dict[str, Any]] = []
    for (kind, label, breakdown), part in sorted(groups.items()):
        streets = sorted({r["area"] for r in part if r["area"] != district})
        cats = sorted({r["category"] for r in part})
        count = {(r["area"], r["category"]): int(r["patients"]) for r in part}
        cells = [[count.get((s, c), 0) for c in cats] for s in streets]
        result = suppress(
            cells, low=privacy.small_cell_min, high=privacy.small_cell_max, row_totals=True
        )
        for i, street in enumerate(streets):
            for j, cat in enumerate(cats):
                shown = None if result.cells[i][j] else cells[i][j]
                out.append(_category(kind, label, breakdown, street, cat, shown))
            total = None if result.row_totals[i] else sum(cells[i])
            out.append(_category(kind, label, breakdown, street, "total", total))
        for j, cat in enumerate(cats):
            total = None if result.column_totals[j] else count.get((district, cat), 0)
            out.append(_category(kind, label, breakdown, district, cat, total))
        grand = None if result.grand_total else sum(map(sum, cells))
        out.append(_category(kind, label, breakdown, district, "total", grand))
    return out


def _category(
    kind: str, label: str, breakdown: str, area: str, category: str, patients: int | None
) -> dict[str, Any]:
    return {
        "period_kind": kind,
        "period": label,
        "breakdown": breakdown,
        "area": area,
        "category": category,
        "patients": patients,
    }


def measure_url(name: str) -> str:
    """The canonical URL of an indicator's Measure."""
    return f"{CANONICAL_BASE}/Measure/{name}"


def measures() -> list[dict[str, Any]]:
    """One FHIR Measure per indicator (proportion scoring, numerator and denominator)."""
    return [
        {
            "resourceType": "Measure",
            "id": stable_id("carehub", "Measure", ind.name),
            "url": measure_url(ind.name),
            "name": ind.name,
            "title": ind.title,
            "status": "active",
            "description": ind.rule,
            "scoring": _code("http://terminology.hl7.org/CodeSystem/measure-scoring", "proportion"),
            "group": [
                {
                    "population": [
                        {"code": _population("numerator"), "description": ind.numerator},
                        {"code": _population("denominator"), "description": ind.denominator},
                    ]
                }
            ],
        }
        for ind in INDICATORS.values()
    ]


def _code(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _population(code: str) -> dict[str, Any]:
    return _code("http://terminology.hl7.org/CodeSystem/measure-population", code)


def area_reference(area: str) -> dict[str, Any]:
    """A logical reference to an area (GB/T 2260 district or street code)."""
    return {"reference": f"Location/area-{area}", "display": area}


def measure_reports(cells: list[PublishedCell], generated: str) -> list[dict[str, Any]]:
    """One summary MeasureReport per indicator, period and area, with stable ids."""
    out = []
    for cell in cells:
        key = f"{cell.indicator}|{cell.period}|{cell.area}"
        populations = [
            {"code": _population(name), **({"count": value} if value is not None else {})}
            for name, value in (("numerator", cell.numerator), ("denominator", cell.denominator))
        ]
        group: dict[str, Any] = {"population": populations}
        if cell.rate is not None:
            group["measureScore"] = {"value": round(cell.rate, 6)}
        out.append(
            {
                "resourceType": "MeasureReport",
                "id": stable_id("carehub", "MeasureReport", key),
                "status": "complete",
                "type": "summary",
                "measure": measure_url(cell.indicator),
                "subject": area_reference(cell.area),
                "date": generated,
                "period": {"start": _start(cell), "end": _end(cell)},
                "group": [group],
            }
        )
    return out


def _start(cell: PublishedCell) -> str:
    from hub.stats.periods import parse_period

    return parse_period(cell.period).first.isoformat()


def _end(cell: PublishedCell) -> str:
    from hub.stats.periods import parse_period

    return parse_period(cell.period).last.isoformat()
