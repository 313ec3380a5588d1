"""Quality reports: the HTML page, the runs as JSON, and a run as an OperationOutcome."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse

from hub.api.deps import StoreDep
from hub.quality.outcome import run_outcome
from hub.quality.render import render_report
from hub.quality.service import QualityRun, get_run, list_runs
from hub.store import FhirStore
from hub.store.errors import ResourceNotFound

router = APIRouter()


def _run(store: FhirStore, run_id: str) -> QualityRun:
    run = get_run(store, run_id)
    if run is None:
        raise ResourceNotFound("QualityRun", run_id)
    return run


@router.get("/quality", response_class=HTMLResponse, include_in_schema=False)
def quality_page(store: StoreDep, run: str | None = None) -> HTMLResponse:
    """The newest run's report (or the one asked for) and the list of runs."""
    runs = list_runs(store)
    chosen = _run(store, run) if run else (get_run(store, runs[0].run_id) if runs else None)
    return HTMLResponse(render_report(chosen, runs))


@router.get("/api/quality/runs")
def quality_runs(store: StoreDep) -> list[dict[str, Any]]:
    """Quality runs, newest first (without their rows)."""
    return [r.as_dict() for r in list_runs(store)]


@router.get("/api/quality/runs/{run_id}")
def quality_run(store: StoreDep, run_id: str) -> dict[str, Any]:
    """One run with a row per source and check."""
    return _run(store, run_id).as_dict()


@router.get("/api/quality/runs/{run_id}/$outcome")
def quality_outcome(store: StoreDep, run_id: str) -> JSONResponse:
    """One run as a FHIR OperationOutcome."""
    return JSONResponse(run_outcome(_run(store, run_id)), media_type="application/fhir+json")
