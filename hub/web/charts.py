"""Geometry of the patient page's SVG: events on a time axis in lanes, small line charts. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from hub.timeline import SOURCE_SYSTEMS, TimelineEvent

__all__ = ["LANES", "Dot", "Spark", "dots", "sparkline", "ticks"]

LANES: tuple[str, ...] = (*SOURCE_SYSTEMS, "unknown")
WIDTH, LANE_HEIGHT, MARGIN = 960, 36, 170


@dataclass(frozen=True)
class Dot:
    """One event drawn on the time axis."""

    x: float
    y: float
    event: TimelineEvent


@dataclass(frozen=True)
class Spark:
    """A small line chart: the polyline's points and the last value."""

    points: str
    dots: tuple[tuple[float, float], ...]
    last: float
    minimum: float
    maximum: float


def _span(days: Sequence[date]) -> tuple[date, int]:
    first, last = min(days), max(days)
    return first, max((last - first).days, 1)


def _x(day: date, first: date, span: int) -> float:
    return round(MARGIN + (WIDTH - MARGIN - 10) * (day - first).days / span, 1)


def dots(events: Sequence[TimelineEvent]) -> list[Dot]:
    """Each event at its day (x) in its source system's lane (y)."""
    if not events:
        return []
    first, span = _span([e.date for e in events])
    lane = {name: i for i, name in enumerate(LANES)}
    return [
        Dot(_x(e.date, first, span), lane.get(e.source, lane["unknown"]) * LANE_HEIGHT + 18, e)
        for e in events
    ]


def ticks(events: Sequence[TimelineEvent], count: int = 6) -> list[tuple[float, str]]:
    """Dates to label along the axis."""
    if not events:
        return []
    first, span = _span([e.date for e in events])
    step = max(span // max(count - 1, 1), 1)
    out = []
    for i in range(count):
        day = date.fromordinal(first.toordinal() + min(i * step, span))
        out.append((_x(day, first, span), day.isoformat()))
    return out


def sparkline(
    points: Sequence[tuple[date, float]], days: Sequence[date], height: int = 40
) -> Spark | None:
    """A polyline over the same time axis as the events (``days``), or None without points."""
    if not points or not days:
        return None
    first, span = _span([*days, *(p[0] for p in points)])
    low, high = min(v for _, v in points), max(v for _, v in points)
    scale = (high - low) or 1.0
    xy = tuple(
        (_x(d, first, span), round(height - 4 - (height - 8) * (v - low) / scale, 1))
        for d, v in points
    )
    return Spark(" ".join(f"{x},{y}" for x, y in xy), xy, points[-1][1], low, high)
