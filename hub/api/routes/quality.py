"""Quality reports: the HTML page, the runs as JSON, and each run as a FHIR OperationOutcome.

A run's OperationOutcome has the run's id: ``GET /fhir/OperationOutcome/{run_id}`` reads one,
``GET /fhir/OperationOutcome`` (``_id`` = run ids, ``_count``) searches them, newest first.
These routes are registered before the generic FHIR ones, so they are the store's answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse

from hub.api.deps import SettingsDep, StoreDep
from hub.api.negotiation import negotiate
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


_FHIR_JSON = "application/fhir+json"


@router.get("/fhir/OperationOutcome/{run_id}", dependencies=[Depends(negotiate)])
def read_outcome(store: StoreDep, run_id: str) -> JSONResponse:
    """A quality run as a FHIR OperationOutcome (read)."""
    return JSONResponse(run_outcome(_run(store, run_id)), media_type=_FHIR_JSON)


@router.get("/fhir/OperationOutcome", dependencies=[Depends(negotiate)])
def search_outcomes(
    store: StoreDep,
    settings: SettingsDep,
    run_ids: Annotated[str | None, Query(alias="_id")] = None,
    count: Annotated[int, Query(alias="_count", ge=0, le=200)] = 50,  # 0: the total only
) -> JSONResponse:
    """Quality runs as a searchset of OperationOutcomes, newest first (``_id``: run ids)."""
    wanted = {i.strip() for i in run_ids.split(",")} if run_ids else None
    matches = [r for r in list_runs(store, limit=10_000) if wanted is None or r.run_id in wanted]
    runs = matches[:count]
    base = settings.fhir_base_url
    entries = [
        {
            "fullUrl": f"{base}/OperationOutcome/{run.run_id}",
            "resource": run_outcome(_run(store, run.run_id)),
            "search": {"mode": "match"},
        }
        for run in runs
    ]
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(matches)}
    return JSONResponse(bundle | {"entry": entries}, media_type=_FHIR_JSON)
