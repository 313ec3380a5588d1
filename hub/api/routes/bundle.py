"""POST /fhir: transaction and batch Bundles."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from hub.api.deps import SettingsDep, StoreDep
from hub.api.fhir_input import parse_body
from hub.api.negotiation import negotiate
from hub.api.responses import FhirResponse, fhir_json
from hub.api.routes.search import query_context
from hub.api.transaction import process_bundle

router = APIRouter(prefix="/fhir", dependencies=[Depends(negotiate)], tags=["bundle"])

_BUNDLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/fhir+json": {
                "schema": {
                    "type": "object",
                    "required": ["resourceType", "type"],
                    "properties": {
                        "resourceType": {"const": "Bundle"},
                        "type": {"enum": ["transaction", "batch"]},
                        "entry": {"type": "array", "items": {"type": "object"}},
                    },
                }
            }
        },
    }
}


@router.post("", openapi_extra=_BUNDLE_BODY)
async def transaction_or_batch(
    request: Request, store: StoreDep, settings: SettingsDep
) -> FhirResponse:
    """Run a transaction (all or nothing) or a batch (each entry on its own)."""
    bundle = parse_body(await request.body(), expected_type="Bundle")
    ctx = query_context(settings)
    return fhir_json(await run_in_threadpool(process_bundle, store, bundle, ctx))
