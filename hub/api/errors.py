"""Every error becomes an OperationOutcome here, in one place; routers never build error JSON.

ApiError                        raised by routers and services for the client's mistakes
├── BadRequest          400     malformed request or unsupported parameter
├── NotFound            404     unknown type, resource or operation
├── Conflict            409     the write collides with the current state
├── NotAcceptable       406     the client asks for a format other than JSON (XML)
├── PreconditionFailed  412     If-Match / If-None-Exist failed
├── UnsupportedMedia    415     the body is not JSON (XML)
└── Unprocessable       422     the resource is not valid FHIR for the hub
StoreError (hub.store.errors)   mapped to 404 / 410 / 412 / 422 / 503
SearchError (hub.search.errors) mapped to 400
SecurityError (hub.security)    401 (with WWW-Authenticate; web pages redirect to login) / 403
anything else                   500 with a generic message; details only in the log
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.api.responses import FhirResponse, fhir_json
from hub.search.errors import SearchError
from hub.security.errors import SecurityError
from hub.security.masking import mask_text
from hub.store.errors import (
    InvalidResource,
    ResourceGone,
    ResourceNotFound,
    StoreError,
    StoreUnavailable,
    VersionConflict,
)

__all__ = [
    "ApiError",
    "BadRequest",
    "Conflict",
    "NotAcceptable",
    "NotFound",
    "PreconditionFailed",
    "Unprocessable",
    "UnsupportedMedia",
    "install_error_handlers",
    "operation_outcome",
]

log = logging.getLogger("hub.api")

#: Browser pages: a missing login sends the browser to the login form instead of a 401.
_PAGES = ("/web/", "/worklist", "/stats", "/quality")


class ApiError(Exception):
    """An error the client can act on; carries the HTTP status and FHIR issue code."""

    status_code = 400
    issue_code = "invalid"

    def __init__(self, message: str, *, issue_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if issue_code:
            self.issue_code = issue_code


class BadRequest(ApiError):
    """400: the request cannot be understood or asks for something unsupported."""


class NotFound(ApiError):
    """404: no such resource type, resource or operation."""

    status_code, issue_code = 404, "not-found"


class Conflict(ApiError):
    """409: the write collides with the current state."""

    status_code, issue_code = 409, "conflict"


class NotAcceptable(ApiError):
    """406: the client accepts no format the hub produces (the hub speaks JSON only)."""

    status_code, issue_code = 406, "not-supported"


class UnsupportedMedia(ApiError):
    """415: the request body is in a format the hub does not read (XML)."""

    status_code, issue_code = 415, "not-supported"


class PreconditionFailed(ApiError):
    """412: a conditional request's precondition failed."""

    status_code, issue_code = 412, "conflict"


class Unprocessable(ApiError):
    """422: the resource is not acceptable FHIR."""

    status_code, issue_code = 422, "processing"


def operation_outcome(
    message: str, *, severity: str = "error", code: str = "invalid", **extra: Any
) -> dict[str, Any]:
    """An OperationOutcome with one issue."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": message}
    issue.update(extra)
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def _outcome(
    status: int, message: str, code: str, headers: dict[str, str] | None = None
) -> FhirResponse:
    # Messages echo what the client sent; resident IDs and mobiles never go back out in them.
    return fhir_json(operation_outcome(mask_text(message), code=code), status, headers)


def _store_error(exc: StoreError) -> FhirResponse:
    if isinstance(exc, ResourceNotFound):
        return _outcome(404, str(exc), "not-found")
    if isinstance(exc, ResourceGone):
        return _outcome(410, str(exc), "deleted", {"ETag": f'W/"{exc.version}"'})
    if isinstance(exc, VersionConflict):
        status = 412 if exc.expected is not None else 409
        return _outcome(status, str(exc), "conflict")
    if isinstance(exc, InvalidResource):
        return _outcome(400, str(exc), "structure")
    if isinstance(exc, StoreUnavailable):
        return _outcome(503, "The database is not available; try again later.", "transient")
    return _outcome(500, "The store could not complete the request.", "exception")


def install_error_handlers(app: FastAPI) -> None:
    """Register the one set of handlers that turns every error into an OperationOutcome."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> FhirResponse:
        return _outcome(exc.status_code, exc.message, exc.issue_code)

    @app.exception_handler(StoreError)
    async def _store(_request: Request, exc: StoreError) -> FhirResponse:
        return _store_error(exc)

    @app.exception_handler(SearchError)
    async def _search(_request: Request, exc: SearchError) -> FhirResponse:
        return _outcome(400, str(exc), "invalid")

    @app.exception_handler(SecurityError)
    async def _security(request: Request, exc: SecurityError) -> Response:
        if exc.status_code == 401 and request.url.path.startswith(_PAGES):
            return RedirectResponse("/web/login", status_code=303)
        headers = {"WWW-Authenticate": 'Bearer realm="carehub"'} if exc.status_code == 401 else None
        return _outcome(exc.status_code, str(exc), exc.issue_code, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> FhirResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _outcome(
            400, f"Invalid request at {where}: {first.get('msg', 'invalid')}.", "invalid"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> FhirResponse:
        code = {404: "not-found", 405: "not-supported", 413: "too-costly"}.get(
            exc.status_code, "invalid"
        )
        message = exc.detail if isinstance(exc.detail, str) else "The request was refused."
        return _outcome(exc.status_code, message, code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> FhirResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _outcome(500, "The hub met an unexpected error; it has been logged.", "exception")
