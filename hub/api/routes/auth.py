"""Signing in: the OAuth token endpoint, SMART discovery, and the web login pages.

The web session is the hub's own JWT in an HttpOnly, SameSite=Strict cookie; the login
and logout forms carry a CSRF token that must equal the ``hub_csrf`` cookie.
"""

from __future__ import annotations

import hmac
import secrets
from html import escape
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hub.api.auth import SESSION_COOKIE, client_ip
from hub.config import Settings
from hub.security.accounts import check_password, end_session, find_user
from hub.security.audit import AuditLog, AuditRecord
from hub.security.clients import ClientProof, grant_client_token
from hub.security.errors import NotAuthenticated
from hub.security.roles import role_scopes
from hub.security.tokens import SESSION_CLAIM, TokenService
from hub.store import FhirStore

router = APIRouter(include_in_schema=True, tags=["auth"])

CSRF_COOKIE = "hub_csrf"
_MAX_FORM = 16_384


def _audit_failure(request: Request, who: str, subtype: str) -> None:
    audit: AuditLog = request.app.state.audit
    audit.record(
        AuditRecord(
            action="E",
            subtype=subtype,
            outcome="4",
            agent=who[:128] or "unknown",
            role=None,
            client_ip=client_ip(request),
            patient=None,
            entity="login",
            query=None,
            status=401,
        )
    )


async def _form(request: Request) -> dict[str, str]:
    if int(request.headers.get("content-length") or 0) > _MAX_FORM:
        raise HTTPException(413, "The form is too large.")
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/.well-known/smart-configuration", include_in_schema=False)
def smart_configuration(request: Request) -> JSONResponse:
    """SMART App Launch discovery: where to get tokens and what the hub supports."""
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {
            "issuer": request.app.state.settings.auth.jwt_issuer,
            "token_endpoint": f"{base}/auth/token",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
            "scopes_supported": ["system/*.rs", "user/*.rs", "system/*.cu", "user/AuditEvent.rs"],
            "capabilities": [
                "client-confidential-symmetric",
                "client-confidential-asymmetric",
                "permission-v2",
            ],
        }
    )


@router.post("/auth/token")
async def token(request: Request) -> JSONResponse:
    """OAuth 2.0 client_credentials: a bearer token for a registered client."""
    form = await _form(request)
    if form.get("grant_type") != "client_credentials":
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    proof = ClientProof(
        client_id=form.get("client_id"),
        client_secret=form.get("client_secret"),
        assertion_type=form.get("client_assertion_type"),
        assertion=form.get("client_assertion"),
        scope=form.get("scope", ""),
        audience=str(request.url),
    )
    store: FhirStore = request.app.state.store
    tokens: TokenService = request.app.state.tokens
    try:
        access, scope, _ = await run_in_threadpool(grant_client_token, store.engine, tokens, proof)
    except NotAuthenticated:
        _audit_failure(request, form.get("client_id") or "client", "token")
        return JSONResponse({"error": "invalid_client"}, status_code=401)
    settings: Settings = request.app.state.settings
    return JSONResponse(
        {
            "access_token": access,
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": settings.auth.token_lifetime_seconds,
        },
        headers={"Cache-Control": "no-store"},
    )


def _login_page(csrf: str, message: str = "") -> str:
    note = f'<p class="error">{escape(message)}</p>' if message else ""
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>carehub login</title></head>'
        f"<body><h1>carehub</h1>{note}"
        '<form method="post" action="/web/login">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<label>User <input name="username" autocomplete="username"></label>'
        '<label>Password <input name="password" type="password"></label>'
        '<button type="submit">Log in</button></form></body></html>'
    )


def _cookie_args(settings: Settings) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": settings.auth.secure_cookies}


@router.get("/web/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request) -> HTMLResponse:
    """The login form, with a fresh CSRF token."""
    csrf = secrets.token_urlsafe(24)
    response = HTMLResponse(_login_page(csrf))
    response.set_cookie(CSRF_COOKIE, csrf, **_cookie_args(request.app.state.settings))
    return response


def _csrf_ok(request: Request, form: dict[str, str]) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, form.get("csrf", ""))


@router.post("/web/login", include_in_schema=False)
async def login(request: Request) -> Response:
    """Check the password and start a session; the form's CSRF token must match."""
    form = await _form(request)
    settings: Settings = request.app.state.settings
    if not _csrf_ok(request, form):
        return HTMLResponse(_login_page(secrets.token_urlsafe(24), "Form expired."), 403)
    store: FhirStore = request.app.state.store
    user = await run_in_threadpool(find_user, store.engine, form.get("username", ""))
    password = form.get("password", "")
    secret = user.secret_hash if user is not None and not user.revoked else None
    if user is None or not await run_in_threadpool(check_password, password, secret):
        _audit_failure(request, form.get("username", ""), "login")
        return HTMLResponse(
            _login_page(request.cookies[CSRF_COOKIE], "Wrong user or password."), 401
        )
    tokens: TokenService = request.app.state.tokens
    session = tokens.issue(
        subject=user.name,
        role=user.role,
        scopes=role_scopes(user.role),
        lifetime=settings.auth.session_lifetime_seconds,
        session=True,
        district=user.district,
        area=user.area,
        fhirUser=user.practitioner,
    )
    response = RedirectResponse("/web/worklist", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session,
        max_age=settings.auth.session_lifetime_seconds,
        **_cookie_args(settings),
    )
    return response


def _logout_page(csrf: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>carehub logout</title></head>'
        '<body><h1>carehub</h1><form method="post" action="/web/logout">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<button type="submit">Log out</button></form></body></html>'
    )


@router.get("/web/logout", response_class=HTMLResponse, include_in_schema=False)
def logout_page(request: Request) -> HTMLResponse:
    """The logout form (a POST with a fresh CSRF token: a link alone cannot end a session)."""
    csrf = secrets.token_urlsafe(24)
    response = HTMLResponse(_logout_page(csrf))
    response.set_cookie(CSRF_COOKIE, csrf, **_cookie_args(request.app.state.settings))
    return response


def _record_logout(request: Request, tokens: TokenService, session: str) -> None:
    """Kept in the database: every worker refuses the session from then on."""
    try:
        claims = tokens.verify(session)
    except NotAuthenticated:
        return  # invalid or expired: nothing to end
    if isinstance(claims.get(SESSION_CLAIM), str):
        end_session(request.app.state.store.engine, claims[SESSION_CLAIM], int(claims["exp"]))


@router.post("/web/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    """End the session (CSRF-checked): the cookie is cleared and its token refused."""
    form = await _form(request)
    if not _csrf_ok(request, form):
        return HTMLResponse("Form expired.", 403)
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        tokens: TokenService = request.app.state.tokens
        await run_in_threadpool(_record_logout, request, tokens, session)
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
