"""Bulk Data Access ``$export`` (async pattern): kick-off, status polling, files, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import FileResponse

from hub.api.capability import supported_types
from hub.api.deps import ExportsDep, SettingsDep, StoreDep
from hub.api.errors import ApiError, BadRequest, NotFound
from hub.api.export import ExportRequest
from hub.api.fhir_input import require_type
from hub.api.negotiation import negotiate
from hub.api.openapi_docs import IdPath
from hub.api.responses import fhir_json
from hub.search.compartment import PATIENT_COMPARTMENT
from hub.search.dates import parse_fhir_date

router = APIRouter(prefix="/fhir", tags=["bulk export"])

_NDJSON = ("application/fhir+ndjson", "application/ndjson", "ndjson")


class ExportFailed(ApiError):
    """500: the export job itself failed (the reason is in the hub's log)."""

    status_code, issue_code = 500, "exception"


def _kick_off(
    request: Request,
    exports: ExportsDep,
    settings: SettingsDep,
    *,
    level: str,
    prefer: str | None,
    params: tuple[str | None, str | None, str | None],
    group_id: str | None = None,
) -> Response:
    type_text, since_text, output_format = params
    if prefer is None or "respond-async" not in prefer:
        raise BadRequest("$export needs the header Prefer: respond-async.")
    if output_format is not None and output_format not in _NDJSON:
        raise BadRequest(f"_outputFormat {output_format!r} is not supported; use ndjson.")
    default = supported_types() if level == "system" else sorted(PATIENT_COMPARTMENT)
    types = (
        tuple(require_type(t.strip()) for t in type_text.split(",") if t.strip())
        if type_text
        else tuple(default)
    )
    since = None
    if since_text:
        try:
            since = parse_fhir_date(since_text)[0]
        except ValueError:
            raise BadRequest(f"_since={since_text} is not a FHIR instant.") from None
    job = exports.start(ExportRequest(level, types, since, str(request.url), group_id=group_id))
    location = f"{settings.fhir_base_url}/$export-poll/{job.id}"
    return Response(status_code=202, headers={"Content-Location": location})


Prefer = Annotated[str | None, Header()]
TypeQuery = Annotated[str | None, Query(alias="_type")]
SinceQuery = Annotated[str | None, Query(alias="_since")]
FormatQuery = Annotated[str | None, Query(alias="_outputFormat")]


@router.get("/$export", status_code=202, dependencies=[Depends(negotiate)])
def system_export(
    request: Request,
    exports: ExportsDep,
    settings: SettingsDep,
    prefer: Prefer = None,
    type_: TypeQuery = None,
    since: SinceQuery = None,
    output_format: FormatQuery = None,
) -> Response:
    """Export every resource of the requested types."""
    params = (type_, since, output_format)
    return _kick_off(request, exports, settings, level="system", prefer=prefer, params=params)


@router.get("/Patient/$export", status_code=202, dependencies=[Depends(negotiate)])
def patient_export(
    request: Request,
    exports: ExportsDep,
    settings: SettingsDep,
    prefer: Prefer = None,
    type_: TypeQuery = None,
    since: SinceQuery = None,
    output_format: FormatQuery = None,
) -> Response:
    """Export the compartments of all patients."""
    params = (type_, since, output_format)
    return _kick_off(request, exports, settings, level="patient", prefer=prefer, params=params)


@router.get("/Group/{group_id}/$export", status_code=202, dependencies=[Depends(negotiate)])
def group_export(
    group_id: IdPath,
    request: Request,
    exports: ExportsDep,
    settings: SettingsDep,
    store: StoreDep,
    prefer: Prefer = None,
    type_: TypeQuery = None,
    since: SinceQuery = None,
    output_format: FormatQuery = None,
) -> Response:
    """Export the compartments of the group's member patients."""
    store.read("Group", group_id)  # 404 / 410 before a job starts
    params = (type_, since, output_format)
    return _kick_off(
        request, exports, settings, level="group", prefer=prefer, params=params, group_id=group_id
    )


@router.get("/$export-poll/{job_id}")
def export_status(job_id: str, exports: ExportsDep, settings: SettingsDep) -> Response:
    """202 with X-Progress while running; 200 with the manifest when done."""
    job = exports.get(job_id)
    if job is None:
        raise NotFound(f"There is no export job {job_id!r}.")
    if job.status == "in-progress":
        return Response(status_code=202, headers={"X-Progress": job.progress, "Retry-After": "1"})
    if job.status != "completed":
        raise ExportFailed(job.error or "The export failed.")
    return fhir_json(job.manifest(settings.fhir_base_url), headers={"Expires": "never"})


@router.delete("/$export-poll/{job_id}", status_code=202)
def cancel_export(job_id: str, exports: ExportsDep) -> Response:
    """Cancel the job (or delete a finished one's files)."""
    if not exports.cancel(job_id):
        raise NotFound(f"There is no export job {job_id!r}.")
    return Response(status_code=202)


@router.get("/$export-file/{job_id}/{name}")
def export_file(job_id: str, name: str, exports: ExportsDep) -> FileResponse:
    """One NDJSON output file."""
    path = exports.file(job_id, name)
    if path is None:
        raise NotFound(f"There is no export file {name!r} for job {job_id!r}.")
    return FileResponse(path, media_type="application/fhir+ndjson")
