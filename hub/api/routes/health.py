"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hub.api.deps import StoreDep

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(store: StoreDep) -> JSONResponse:
    """200 when the service and its database answer."""
    with store.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})
