"""Token claims are verified once per token and never outlive the token."""

from __future__ import annotations

import pytest

from hub.api.token_cache import CachingTokenService
from hub.config import AuthSettings
from hub.security.errors import NotAuthenticated
from hub.security.roles import Role, role_scopes
from hub.security.tokens import TokenService

SECRET = "a-secret-for-the-token-cache-tests"


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _token(lifetime: int = 60, secret: str = SECRET) -> str:
    return TokenService(AuthSettings(), secret).issue(
        subject="u1",
        role=Role.PREVENTION_DOCTOR,
        scopes=role_scopes(Role.PREVENTION_DOCTOR),
        lifetime=lifetime,
    )


def test_a_token_is_verified_once(monkeypatch: pytest.MonkeyPatch) -> None:
    service = CachingTokenService(AuthSettings(), SECRET)
    calls: list[str] = []
    original = TokenService.verify

    def counting(self: TokenService, token: str) -> dict[str, object]:
        calls.append(token)
        return original(self, token)

    monkeypatch.setattr(TokenService, "verify", counting)
    token = _token()
    principals = [service.principal(token, f"10.0.0.{i}") for i in range(3)]
    assert calls == [token]
    assert {p.client_ip for p in principals} == {"10.0.0.0", "10.0.0.1", "10.0.0.2"}
    assert {(p.subject, p.role) for p in principals} == {("u1", Role.PREVENTION_DOCTOR)}


def test_a_remembered_token_is_checked_again_once_expired(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = _token(lifetime=60)
    expires = float(TokenService(AuthSettings(), SECRET).verify(token)["exp"])
    clock = _Clock(expires - 1)
    service = CachingTokenService(AuthSettings(), SECRET, clock=clock)
    calls: list[str] = []

    def expired(self: TokenService, token: str) -> dict[str, object]:
        calls.append(token)
        raise NotAuthenticated("The access token is invalid or expired.")

    assert service.verify(token)["sub"] == "u1"  # verified for real, then remembered
    monkeypatch.setattr(TokenService, "verify", expired)
    assert service.verify(token)["sub"] == "u1"  # from the cache: no check
    assert calls == []
    clock.now = expires
    with pytest.raises(NotAuthenticated):
        service.verify(token)  # past exp the cache lets go and the real check refuses
    assert calls == [token]


def test_forged_and_altered_tokens_are_refused_every_time() -> None:
    service = CachingTokenService(AuthSettings(), SECRET)
    good = _token()
    forged = _token(secret="not-the-hub-secret")
    altered = good[:-2] + ("AA" if good[-2:] != "AA" else "BB")
    service.verify(good)
    for bad in (forged, altered, forged):
        with pytest.raises(NotAuthenticated):
            service.verify(bad)


def test_the_cache_is_bounded() -> None:
    service = CachingTokenService(AuthSettings(), SECRET, max_tokens=2)
    tokens = [_token() for _ in range(3)]
    for token in tokens:
        service.verify(token)
    assert list(service._verified) == tokens[1:]
