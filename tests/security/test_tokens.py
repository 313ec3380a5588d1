"""Getting and using tokens: client secret, private_key_jwt, revocation, an external IdP."""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwk, jwt

from hub.api.client_status import ClientStatusCache
from hub.config import AuthSettings
from hub.security.accounts import add_client, revoke
from hub.security.errors import NotAuthenticated
from hub.security.roles import Role
from hub.security.scopes import parse_scopes
from hub.security.tokens import TokenService
from tests.security.conftest import TestClient

ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _engine(client: TestClient) -> Any:
    return client.app.state.store.engine  # type: ignore[attr-defined]


def test_client_secret_gets_a_token_cut_to_the_role(secure_app: TestClient) -> None:
    """The granted scopes never exceed the role's; the token then opens what they allow."""
    add_client(
        _engine(secure_app), "stats-app", Role.DISTRICT_AUTHORITY, secret="pw", district="310104"
    )
    answer = secure_app.post(
        "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "stats-app",
            "client_secret": "pw",
            "scope": "user/*.rs user/MeasureReport.rs",
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["scope"] == "user/MeasureReport.rs"
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert secure_app.get("/fhir/MeasureReport", headers=bearer).status_code == 200
    assert secure_app.get("/fhir/Patient/w-s", headers=bearer).status_code == 403


def test_wrong_secret_and_revoked_client_are_refused_and_audited(secure_app: TestClient) -> None:
    """401 invalid_client, and the failure is in the audit trail."""
    engine = _engine(secure_app)
    add_client(engine, "feeder", Role.CONNECTOR, secret="right", source="station")
    form = {"grant_type": "client_credentials", "client_id": "feeder", "client_secret": "wrong"}
    assert secure_app.post("/auth/token", data=form).status_code == 401
    revoke(engine, "client", "feeder")
    form["client_secret"] = "right"
    assert secure_app.post("/auth/token", data=form).status_code == 401
    events = secure_app.app.state.audit.search(agent="feeder")[1]  # type: ignore[attr-defined]
    assert [e["outcome"] for e in events] == ["4", "4"]


def test_a_revoked_clients_token_stops_working_at_once(secure_app: TestClient) -> None:
    """A token issued before the revocation is refused on the very next request."""
    engine = _engine(secure_app)
    add_client(engine, "team-app", Role.INTEGRATION_TEAM, secret="pw", district="310104")
    form = {"grant_type": "client_credentials", "client_id": "team-app", "client_secret": "pw"}
    token = secure_app.post("/auth/token", data=form).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert secure_app.get("/fhir/Patient/w-s", headers=bearer).status_code == 200
    revoke(engine, "client", "team-app")
    time.sleep(AuthSettings().revocation_check_seconds)  # the remembered status ages out
    refused = secure_app.get("/fhir/Patient/w-s", headers=bearer)
    assert refused.status_code == 401
    assert "revoked" in refused.text
    # registered anew (a new secret): the old token stays refused, a new one works
    time.sleep(1.01)  # tokens carry whole seconds
    add_client(engine, "team-app", Role.INTEGRATION_TEAM, secret="pw", district="310104")
    assert secure_app.get("/fhir/Patient/w-s", headers=bearer).status_code == 401
    fresh = secure_app.post("/auth/token", data=form).json()["access_token"]
    again = secure_app.get("/fhir/Patient/w-s", headers={"Authorization": f"Bearer {fresh}"})
    assert again.status_code == 200


def _assertion(key: jwk.ECKey, client: str, audience: str, exp_in: int = 60) -> str:
    now = int(time.time())
    claims = {"iss": client, "sub": client, "aud": audience, "exp": now + exp_in, "jti": "1"}
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def test_private_key_jwt(secure_app: TestClient) -> None:
    """A client that signs an assertion with its registered key gets a system token."""
    key = jwk.ECKey.generate_key("P-256", auto_kid=True)
    add_client(
        _engine(secure_app),
        "exporter",
        Role.INTEGRATION_TEAM,
        public_jwks={"keys": [key.as_dict(private=False)]},
        district="310104",
    )
    audience = "http://hub.test/auth/token"
    form = {
        "grant_type": "client_credentials",
        "scope": "system/*.rs",
        "client_assertion_type": ASSERTION,
    }
    good = secure_app.post(
        "/auth/token", data=form | {"client_assertion": _assertion(key, "exporter", audience)}
    )
    assert good.status_code == 200, good.text
    assert good.json()["scope"] == "system/*.rs"
    other = jwk.ECKey.generate_key("P-256", auto_kid=True)
    forged = _assertion(other, "exporter", audience)
    assert (
        secure_app.post("/auth/token", data=form | {"client_assertion": forged}).status_code == 401
    )
    stale = _assertion(key, "exporter", audience, exp_in=-120)
    assert (
        secure_app.post("/auth/token", data=form | {"client_assertion": stale}).status_code == 401
    )


def test_external_identity_provider_through_its_jwks() -> None:
    """A token signed by the IdP's key is accepted; same claims from another key are not."""
    idp_key = jwk.RSAKey.generate_key(2048, auto_kid=True)
    settings = AuthSettings(
        external_issuer="https://idp.example", jwks_url="https://idp.example/jwks"
    )
    service = TokenService(
        settings, "secret", fetch_jwks=lambda _url: {"keys": [idp_key.as_dict(private=False)]}
    )
    claims = {
        "iss": "https://idp.example",
        "sub": "dr-li",
        "exp": int(time.time()) + 60,
        "role": "prevention_doctor",
        "scope": "user/*.rs",
        "district": "310104",
    }
    principal = service.principal(jwt.encode({"alg": "RS256", "kid": idp_key.kid}, claims, idp_key))
    assert principal.role is Role.PREVENTION_DOCTOR
    assert principal.scopes == parse_scopes("user/*.rs")
    stranger = jwk.RSAKey.generate_key(2048, auto_kid=True)
    try:
        service.principal(jwt.encode({"alg": "RS256"}, claims, stranger))
    except NotAuthenticated:
        pass
    else:
        raise AssertionError("a token from an unknown key was accepted")


def test_smart_configuration_names_the_token_endpoint(secure_app: TestClient) -> None:
    """SMART discovery points at /auth/token and lists the client authentication methods."""
    config = secure_app.get("/.well-known/smart-configuration").json()
    assert config["token_endpoint"] == "http://hub.test/auth/token"
    assert "private_key_jwt" in config["token_endpoint_auth_methods_supported"]


def test_a_client_status_is_remembered_for_the_check_interval_only(secure_app: TestClient) -> None:
    """Within the interval no lookup (the revocation is not seen yet); after it, refused."""
    engine = _engine(secure_app)
    add_client(engine, "cached-app", Role.INTEGRATION_TEAM, secret="pw", district="310104")
    now = [100.0]
    clients = ClientStatusCache(engine, 1.0, clock=lambda: now[0])
    assert clients.known_revoked("cached-app", None) is None  # nothing remembered yet
    assert clients.is_revoked("cached-app", None) is False
    revoke(engine, "client", "cached-app")
    now[0] += 0.5
    assert clients.known_revoked("cached-app", None) is False  # remembered, not re-read
    now[0] += 0.6
    assert clients.known_revoked("cached-app", None) is None
    assert clients.is_revoked("cached-app", None) is True
    every_time = ClientStatusCache(engine, 0.0, clock=lambda: now[0])
    assert every_time.is_revoked("cached-app", None) is True
    assert every_time.known_revoked("cached-app", None) is None  # 0: always looked up
    assert clients.is_revoked("not-ours", None) is False
