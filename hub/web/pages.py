"""Server-rendered pages for integration teams: the worklist and the patient page."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from hub.continuity.service import continuity_tasks
from hub.continuity.worklist import WorkItem, counts
from hub.timeline import Language, TimelineEvent, risk_series, translate
from hub.timeline.read import Resource, code_of, display_of, reference_of
from hub.web.charts import LANE_HEIGHT, LANES, WIDTH, dots, sparkline, ticks
from hub.web.rows import event_dots, event_rows

__all__ = ["render_patient", "render_worklist"]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("hub.web", "templates"), autoescape=select_autoescape(["html"])
    )


def render_worklist(
    items: list[WorkItem],
    filters: dict[str, str | None],
    rules: list[dict[str, str]],
    language: Language,
) -> str:
    """The worklist with filters and counts."""
    return (
        _environment()
        .get_template("worklist.html")
        .render(
            items=items,
            counts=counts(items),
            filters=filters,
            rules=rules,
            t=translate(language),
            lang=language,
        )
    )


def _scale_series(events: list[TimelineEvent]) -> dict[str, list[tuple[Any, float]]]:
    series: dict[str, list[tuple[Any, float]]] = {}
    for e in events:
        if e.kind == "scale-result" and e.series and e.value is not None:
            series.setdefault(e.series, []).append((e.date, e.value))
    return series


def _care(resources: list[Resource]) -> dict[str, Any]:
    by_ref = {f"{r.get('resourceType')}/{r.get('id')}": r for r in resources}
    plans = [
        r for r in resources if r.get("resourceType") == "CarePlan" and r.get("status") == "active"
    ]
    goals = {
        p["id"]: [by_ref[g] for g in (reference_of(x) for x in p.get("goal") or []) if g in by_ref]
        for p in plans
    }
    teams = [
        r
        for r in resources
        if r.get("resourceType") == "CareTeam" and r.get("status") != "inactive"
    ]
    members = [
        (
            display_of((m.get("role") or [None])[0]),
            by_ref.get(reference_of(m.get("member")) or "", {}),
        )
        for team in teams
        for m in team.get("participant") or []
    ]
    return {
        "plans": plans,
        "goals": goals,
        "members": members,
        "display_of": display_of,
        "code_of": code_of,
    }


def render_patient(
    patient: Resource, resources: list[Resource], events: list[TimelineEvent], language: Language
) -> str:
    """The patient page: charts, the timeline along a time axis, care plan, care team, gaps."""
    days = [e.date for e in events]
    charts = [("risk-level", sparkline(risk_series(resources), days))]
    charts += [
        (name, sparkline(points, days)) for name, points in sorted(_scale_series(events).items())
    ]
    gaps = [t for t in continuity_tasks(resources) if t.get("status") == "requested"]
    name = next(
        (n.get("text") for n in patient.get("name") or [] if n.get("text")), patient.get("id")
    )
    return (
        _environment()
        .get_template("patient.html")
        .render(
            patient=patient,
            name=name,
            events=events,
            event_dots=event_dots(dots(events), language),
            event_rows=event_rows(events, translate(language), language),
            ticks=ticks(events),
            lanes=[
                lane for lane in LANES if lane != "unknown" or any(e.source == lane for e in events)
            ],
            lane_height=LANE_HEIGHT,
            width=WIDTH,
            charts=[c for c in charts if c[1]],
            gaps=gaps,
            t=translate(language),
            lang=language,
            **_care(resources),
        )
    )
