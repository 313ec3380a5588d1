"""FHIR operations on types and instances: Patient/$everything and $validate."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from hub.api.bundles import bundle_bytes, entry_bytes, page_links
from hub.api.deps import SettingsDep, StoreDep
from hub.api.errors import BadRequest
from hub.api.fhir_input import require_type
from hub.api.negotiation import negotiate
from hub.api.openapi_docs import RESOURCE_BODY, IdPath, TypePath
from hub.api.responses import FhirResponse, fhir_json
from hub.config import Settings
from hub.search.compartment import (
    REFERENCED_TYPES,
    compartment_resources,
    linked_patients,
    referenced_resources,
)
from hub.search.dates import parse_fhir_date
from hub.search.request import MAX_COUNT
from hub.store import FhirStore

router = APIRouter(prefix="/fhir", dependencies=[Depends(negotiate)], tags=["operations"])


def _everything(
    store: FhirStore,
    settings: Settings,
    patient_id: IdPath,
    params: tuple[str | None, str | None, int, int],
) -> bytes:
    since_text, type_text, count, offset = params
    since = None
    if since_text:
        try:
            since = parse_fhir_date(since_text)[0]
        except ValueError:
            raise BadRequest(f"_since={since_text} is not a FHIR instant.") from None
    types = None
    if type_text:
        types = [require_type(t.strip()) for t in type_text.split(",") if t.strip()]
    with store.reading() as session:
        session.read("Patient", patient_id)  # 404 / 410 for an unknown or deleted patient
        patients = linked_patients(session.conn, patient_id)
        hits = compartment_resources(
            session.conn, patients, types=types, since=since, base_url=settings.fhir_base_url
        )
        extra = [t for t in REFERENCED_TYPES if types is None or t in types]
        hits += referenced_resources(
            session.conn, hits, types=extra, base_url=settings.fhir_base_url
        )
    base = settings.fhir_base_url
    kept = [(k, v) for k, v in (("_since", since_text), ("_type", type_text)) if v]
    header: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(hits),
        "link": page_links(
            f"{base}/Patient/{patient_id}/$everything",
            kept,
            count=count,
            offset=offset,
            page_size=len(hits[offset : offset + count]),
            total=len(hits),
        ),
    }
    page = hits[offset : offset + count]
    return bundle_bytes(header, (entry_bytes(base, hit, "match") for hit in page))


@router.get("/Patient/{patient_id}/$everything")
def patient_everything(
    patient_id: IdPath,
    store: StoreDep,
    settings: SettingsDep,
    since: Annotated[str | None, Query(alias="_since")] = None,
    type_: Annotated[str | None, Query(alias="_type")] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=MAX_COUNT)] = MAX_COUNT,
    offset: Annotated[int, Query(alias="_offset", ge=0)] = 0,
) -> FhirResponse:
    """The compartments of the patient and its linked Patients, with whom they refer to."""
    return fhir_json(_everything(store, settings, patient_id, (since, type_, count, offset)))


def structure_issues(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every structural problem the R4B model finds, as OperationOutcome issues."""
    from fhir.resources.R4B import get_fhir_model_class

    resource_type = str(document.get("resourceType"))
    try:
        get_fhir_model_class(resource_type).model_validate(document)
    except ValidationError as exc:
        return [
            {
                "severity": "error",
                "code": "structure",
                "diagnostics": error["msg"],
                "expression": [
                    ".".join([resource_type, *(str(p) for p in error["loc"])]).rstrip(".")
                ],
            }
            for error in exc.errors()
        ]
    except (ValueError, TypeError, KeyError) as exc:
        return [{"severity": "error", "code": "structure", "diagnostics": str(exc)}]
    return []


def _validated(body: bytes, resource_type: str, resource_id: str | None) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON ({exc.msg}).") from None
    if isinstance(document, dict) and document.get("resourceType") == "Parameters":
        for parameter in document.get("parameter") or []:
            if isinstance(parameter, dict) and parameter.get("name") == "resource":
                document = parameter.get("resource")
                break
    if not isinstance(document, dict) or document.get("resourceType") != resource_type:
        raise BadRequest(f"$validate on {resource_type} needs a {resource_type} resource.")
    issues = structure_issues(document)
    if resource_id is not None and document.get("id") not in (None, resource_id):
        issues.append(
            {
                "severity": "error",
                "code": "invariant",
                "diagnostics": f"The resource's id {document.get('id')!r} is not {resource_id!r}.",
            }
        )
    if not issues:
        issues = [{"severity": "information", "code": "informational", "diagnostics": "OK"}]
    return {"resourceType": "OperationOutcome", "issue": issues}


@router.post("/{resource_type}/$validate", openapi_extra=RESOURCE_BODY)
async def validate_type(resource_type: TypePath, request: Request) -> FhirResponse:
    """Check a resource's structure against R4B; 200 with the issues, valid or not."""
    body = await request.body()
    outcome = await run_in_threadpool(_validated, body, require_type(resource_type), None)
    return fhir_json(outcome)


@router.post("/{resource_type}/{resource_id}/$validate", openapi_extra=RESOURCE_BODY)
async def validate_instance(
    resource_type: TypePath, resource_id: IdPath, request: Request
) -> FhirResponse:
    """$validate for an update of one resource: the body's id must be the URL's."""
    body = await request.body()
    outcome = await run_in_threadpool(_validated, body, require_type(resource_type), resource_id)
    return fhir_json(outcome)
