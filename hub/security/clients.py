"""The client_credentials grant: a registered client proves itself and gets a token.

Proof is a client secret (``client_secret_post``/``client_secret_basic``) or a JWT the
client signs with its own key (``private_key_jwt``, RFC 7523), checked with joserfc
against the public JWKS registered for the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from joserfc import jwk, jwt
from joserfc.errors import JoseError
from sqlalchemy.engine import Engine

from hub.security.accounts import Account, check_password, find_client
from hub.security.errors import NotAuthenticated
from hub.security.roles import role_scopes
from hub.security.scopes import narrow, parse_scopes
from hub.security.tokens import TokenService

__all__ = ["ASSERTION_TYPE", "ClientProof", "grant_client_token"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class ClientProof:
    """What the client sent to the token endpoint."""

    client_id: str | None
    client_secret: str | None
    assertion_type: str | None
    assertion: str | None
    scope: str
    audience: str


def _unverified_issuer(assertion: str) -> str:
    import base64

    import orjson

    try:
        payload = assertion.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, orjson.JSONDecodeError):
        return ""
    return str(claims.get("iss", "")) if isinstance(claims, dict) else ""


def _check_assertion(account: Account, proof: ClientProof) -> None:
    if not account.public_jwks:
        raise NotAuthenticated("The client has no registered public key.")
    try:
        keys = jwk.KeySet.import_key_set(account.public_jwks)  # type: ignore[arg-type]
        decoded = jwt.decode(proof.assertion or "", keys, algorithms=["RS256", "ES256", "PS256"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": account.name},
            sub={"essential": True, "value": account.name},
            aud={"essential": True, "value": proof.audience},
            exp={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError):
        raise NotAuthenticated("The client assertion is invalid.") from None


def _authenticated_client(engine: Engine, proof: ClientProof) -> Account:
    if proof.assertion:
        if proof.assertion_type != ASSERTION_TYPE:
            raise NotAuthenticated("Unsupported client_assertion_type.")
        name = _unverified_issuer(proof.assertion)
    else:
        name = proof.client_id or ""
    account = find_client(engine, name) if name else None
    if account is None or account.revoked:
        raise NotAuthenticated("Unknown or revoked client.")
    if proof.assertion:
        _check_assertion(account, proof)
    elif not check_password(proof.client_secret or "", account.secret_hash):
        raise NotAuthenticated("Wrong client secret.")
    return account


def grant_client_token(
    engine: Engine, tokens: TokenService, proof: ClientProof
) -> tuple[str, str, str]:
    """Authenticate the client; its token, the granted scopes and the client's name."""
    account = _authenticated_client(engine, proof)
    granted = narrow(parse_scopes(proof.scope), role_scopes(account.role))
    if not granted:
        raise NotAuthenticated("None of the requested scopes is allowed for this client.")
    token = tokens.issue(
        subject=account.name,
        role=account.role,
        scopes=granted,
        district=account.district,
        source=account.source,
    )
    return token, " ".join(str(s) for s in granted), account.name
