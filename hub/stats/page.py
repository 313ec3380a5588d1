"""The statistics page: inline SVG bar chart per indicator by street, a district trend, a table."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.stats.publication import PublishedCell

__all__ = ["render_page"]

_COLOURS = ("#4a7", "#a47", "#47a", "#aa4", "#7a4", "#a74", "#4aa", "#777")


@cache
def _env() -> Environment:
    folder = Path(__file__).parent / "templates"
    return Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))


def _charts(cells: list[PublishedCell], district: str) -> list[dict[str, Any]]:
    names = sorted({c.indicator for c in cells})
    charts = []
    for name in names:
        mine = [c for c in cells if c.indicator == name and c.area != district]
        bars = [
            {
                "area": c.area,
                "y": 18 * i,
                "width": None if c.rate is None else round(400 * c.rate, 1),
                "label": "" if c.rate is None else f"{100 * c.rate:.1f}%",
            }
            for i, c in enumerate(mine)
        ]
        charts.append({"title": name, "bars": bars, "height": 18 * len(bars) + 4})
    return charts


def _trend(history: list[PublishedCell], district: str) -> list[dict[str, Any]]:
    periods = sorted({c.period for c in history})
    if len(periods) < 2:
        return []
    step = 480 / (len(periods) - 1)
    lines = []
    for k, name in enumerate(sorted({c.indicator for c in history})):
        rate = {c.period: c.rate for c in history if c.indicator == name and c.area == district}
        points = " ".join(
            f"{step * i:.1f},{190 - 180 * (rate.get(p) or 0):.1f}" for i, p in enumerate(periods)
        )
        lines.append({"name": name, "points": points, "colour": _COLOURS[k % 8], "y": 12 + 12 * k})
    return lines


def render_page(
    period: str,
    cells: list[PublishedCell],
    categories: list[dict[str, Any]],
    history: list[PublishedCell],
    district: str,
    low: int,
    high: int,
) -> str:
    """The page for one period (`cells`, `categories`) with the district's trend over `history`."""
    return (
        _env()
        .get_template("stats.html")
        .render(
            period=period,
            cells=cells,
            categories=categories,
            charts=_charts(cells, district),
            trend=_trend(history, district),
            low=low,
            high=high,
        )
    )
