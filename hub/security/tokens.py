"""Access tokens: issued and checked with joserfc (no hand-written crypto).

The hub signs its own tokens with HS256 under a key derived from ``secret_key``; tokens of
an external identity provider are checked against its JWKS (``auth.jwks_url``), fetched
once and cached. Claims: ``sub``, ``role``, ``scope``, ``district``, ``area``, ``source``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable
from typing import Any

from joserfc import jwk, jwt
from joserfc.errors import JoseError

from hub.config import AuthSettings
from hub.security.errors import NotAuthenticated
from hub.security.roles import Principal, Role
from hub.security.scopes import Scope, format_scopes, parse_scopes

__all__ = ["SESSION_CLAIM", "JwksFetcher", "TokenService", "derive_key"]

#: Claim (OpenID Connect's ``sid``) that marks a web-login session token: its user and its
#: logout are checked in the database on every request, whichever way the token is sent.
SESSION_CLAIM = "sid"

#: Fetches a JWKS document (a URL in, the parsed JSON out); httpx in production.
JwksFetcher = Callable[[str], dict[str, Any]]

_ALGORITHMS = ["HS256", "RS256", "ES256", "PS256"]


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose derived from the hub's secret (tokens, sessions, CSRF)."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def _http_jwks(url: str) -> dict[str, Any]:
    import httpx

    response = httpx.get(url, timeout=5)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


class TokenService:
    """Issues the hub's tokens and turns any accepted token into a Principal."""

    def __init__(
        self, settings: AuthSettings, secret: str, fetch_jwks: JwksFetcher = _http_jwks
    ) -> None:
        self._settings = settings
        self._key = jwk.OctKey.import_key(derive_key(secret, "carehub-access-token"))
        self._fetch_jwks = fetch_jwks
        self._jwks: jwk.KeySet | None = None
        # jti -> exp of tokens ended before expiry (logout); kept until they expire anyway

    def issue(
        self,
        *,
        subject: str,
        role: Role,
        scopes: list[Scope],
        lifetime: int | None = None,
        session: bool = False,
        **compartment: str | None,
    ) -> str:
        """A signed access token for the subject, role, scopes and compartment.

        ``session``: a web-login session (``sid`` = its ``jti``), which a logout can end.
        """
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self._settings.jwt_issuer,
            "sub": subject,
            "iat": now,
            "exp": now + (lifetime or self._settings.token_lifetime_seconds),
            "jti": uuid.uuid4().hex,
            "role": role.value,
            "scope": format_scopes(scopes),
        }
        claims |= {k: v for k, v in compartment.items() if v}
        if session:
            claims[SESSION_CLAIM] = claims["jti"]
        return jwt.encode({"alg": "HS256"}, claims, self._key)

    def _external_keys(self) -> jwk.KeySet:
        if self._jwks is None:
            if not self._settings.jwks_url:
                raise NotAuthenticated("The token's issuer is not trusted.")
            self._jwks = jwk.KeySet.import_key_set(self._fetch_jwks(self._settings.jwks_url))  # type: ignore[arg-type]
        return self._jwks

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a valid token; NotAuthenticated for anything else."""
        try:
            unverified = jwt.decode(token, self._key, algorithms=["HS256"])
        except JoseError:
            unverified = None
        try:
            if unverified is not None:
                claims, issuer = unverified.claims, self._settings.jwt_issuer
            else:
                external = self._settings.external_issuer
                decoded = jwt.decode(token, self._external_keys(), algorithms=_ALGORITHMS[1:])
                claims, issuer = decoded.claims, external or ""
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": issuer},
                exp={"essential": True},
                sub={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError):
            raise NotAuthenticated("The access token is invalid or expired.") from None
        return claims

    def principal(self, token: str, client_ip: str | None = None) -> Principal:
        """The caller a bearer token stands for."""
        claims = self.verify(token)
        try:
            role = Role(claims.get("role", ""))
        except ValueError:
            raise NotAuthenticated("The access token names no known role.") from None
        return Principal(
            subject=str(claims["sub"]),
            role=role,
            scopes=parse_scopes(str(claims.get("scope", ""))),
            district=claims.get("district"),
            area=claims.get("area"),
            source=claims.get("source"),
            client_ip=client_ip,
            issued_at=claims["iat"] if isinstance(claims.get("iat"), int) else None,
            # SMART's fhirUser: who the user is in the records (a social worker's Practitioner)
            extra={
                k: claims[k] for k in ("fhirUser", SESSION_CLAIM) if isinstance(claims.get(k), str)
            },
        )
