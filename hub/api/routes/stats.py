"""District statistics: the page, CSV/XLSX downloads, ViewDefinition $run. Thin: parse, delegate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import HTMLResponse

from hub.api.deps import SettingsDep, StoreDep
from hub.api.errors import BadRequest, NotFound
from hub.api.responses import fhir_json
from hub.stats.api import (
    published,
    published_with_categories,
    run_view_over_store,
    trailing_months,
)
from hub.stats.downloads import to_csv, to_xlsx
from hub.stats.page import render_page
from hub.stats.periods import Period, parse_period
from hub.stats.views import shipped_views, view_named

router = APIRouter()

PeriodQuery = Annotated[str, Query(description="YYYY-MM, YYYY-Qn or YYYY")]


def _period(label: str) -> Period:
    try:
        return parse_period(label)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


@router.post("/fhir/ViewDefinition/$run")
def run_view_definition(store: StoreDep, body: Annotated[dict[str, Any], Body()]) -> Response:
    """Run a posted ViewDefinition over the store (_format: json, csv or ndjson)."""
    try:
        content, media = run_view_over_store(store, body)
    except (ValueError, KeyError) as exc:
        raise BadRequest(str(exc)) from None
    return Response(content, media_type=media)


@router.get("/fhir/ViewDefinition")
def search_view_definitions(
    settings: SettingsDep, name: str | None = None, url: str | None = None
) -> Response:
    """The shipped ViewDefinitions (served from their files), filtered by exact name or url."""
    views = [
        v
        for v in shipped_views()
        if (name is None or v["name"] == name) and (url is None or v["url"] == url)
    ]
    base = settings.fhir_base_url
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(views),
        "entry": [
            {
                "fullUrl": f"{base}/ViewDefinition/{v['id']}",
                "resource": v,
                "search": {"mode": "match"},
            }
            for v in views
        ],
    }
    return fhir_json(bundle)


@router.get("/fhir/ViewDefinition/{view_id}")
def read_view_definition(view_id: str) -> Response:
    """One shipped ViewDefinition by id."""
    try:
        return fhir_json(view_named(view_id))
    except KeyError:
        raise NotFound(f"ViewDefinition/{view_id} is not known") from None


@router.get("/stats", response_class=HTMLResponse, include_in_schema=False)
def stats_page(store: StoreDep, settings: SettingsDep, period: PeriodQuery) -> HTMLResponse:
    """Indicators by street for the period, the district's last 12 months, and the table."""
    chosen = _period(period)
    history = published(store, settings, trailing_months(chosen), settings.district_code)
    cells, categories = published_with_categories(store, settings, [chosen])
    privacy = settings.privacy
    html = render_page(
        period,
        cells,
        categories,
        history,
        settings.district_code,
        privacy.small_cell_min,
        privacy.small_cell_max,
    )
    return HTMLResponse(html)


@router.get("/stats/indicators.csv")
def stats_csv(store: StoreDep, settings: SettingsDep, period: PeriodQuery) -> Response:
    """The published (suppressed) indicators of the period as CSV."""
    return Response(to_csv(published(store, settings, [_period(period)])), media_type="text/csv")


@router.get("/stats/indicators.xlsx")
def stats_xlsx(store: StoreDep, settings: SettingsDep, period: PeriodQuery) -> Response:
    """The published (suppressed) indicators of the period as an XLSX workbook."""
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(to_xlsx(published(store, settings, [_period(period)])), media_type=media)
