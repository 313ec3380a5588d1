"""Every route x every caller: the status access control gives, and one AuditEvent each.

The expectations are the policy written out by hand (DOMAIN.md, minimum necessary by
role), not derived from the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from hub.security.roles import Role
from tests.security.conftest import MOBILE, RESIDENT_ID, TestClient, token_for

OBSERVATION = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"text": "weight"},
    "subject": {"reference": "Patient/w-s"},
}
BUNDLE = {
    "resourceType": "Bundle",
    "type": "transaction",
    "entry": [{"resource": OBSERVATION, "request": {"method": "POST", "url": "Observation"}}],
}

#: name -> (method, path, JSON body, touches patient data)
ROUTES: dict[str, tuple[str, str, dict[str, Any] | None, bool]] = {
    "read": ("GET", "/fhir/Patient/w-s", None, True),
    "search": ("GET", "/fhir/Patient?name=w", None, True),
    "search-include": ("GET", "/fhir/MeasureReport?_include=MeasureReport:subject", None, False),
    "history": ("GET", "/fhir/Patient/w-s/_history", None, True),
    "system-history": ("GET", "/fhir/_history", None, True),
    "create": ("POST", "/fhir/Observation", OBSERVATION, True),
    "update": ("PUT", "/fhir/Observation/o-new", {**OBSERVATION, "id": "o-new"}, True),
    "delete": ("DELETE", "/fhir/Observation/o-gone", None, True),
    "transaction": ("POST", "/fhir", BUNDLE, True),
    "everything": ("GET", "/fhir/Patient/w-s/$everything", None, True),
    "export": ("GET", "/fhir/$export", None, True),
    "measure-report": ("GET", "/fhir/MeasureReport", None, False),
    "audit-search": ("GET", "/fhir/AuditEvent", None, False),
    "worklist-api": ("GET", "/api/worklist", None, True),
    "timeline-api": ("GET", "/api/patients/w-s/timeline", None, True),
    "quality-api": ("GET", "/api/quality/runs", None, True),
    "worklist-page": ("GET", "/web/worklist", None, True),
    "patient-page": ("GET", "/web/patients/w-s", None, True),
    "timeline-op": ("GET", "/fhir/Patient/w-s/$timeline", None, True),
    "identity-review": ("GET", "/api/identity/review", None, True),
    "stats-page": ("GET", "/stats", None, False),
    "worklist-redirect": ("GET", "/worklist", None, False),
}
READS = {"read", "search", "history", "system-history", "everything", "timeline-api"}
PAGES = {"worklist-api", "quality-api", "worklist-page", "patient-page", "search-include"}
ANY_LOGIN = {"worklist-redirect"}
STATISTICS = {"measure-report", "stats-page"}
ALLOWED: dict[str, set[str]] = {
    "integration_team": READS
    | PAGES
    | STATISTICS
    | ANY_LOGIN
    | {"export", "timeline-op", "identity-review"},
    "prevention_doctor": READS
    | PAGES
    | STATISTICS
    | ANY_LOGIN
    | {"timeline-op", "identity-review"},
    # Own cases only (the token names the case manager): a district-wide search is refused.
    "social_worker": {"read", "history", "worklist-api", "worklist-page"} | ANY_LOGIN,
    "district_authority": STATISTICS | ANY_LOGIN,
    "auditor": {"audit-search"} | ANY_LOGIN,
    "connector": {"create", "update", "transaction"} | ANY_LOGIN,
}
CALLERS = [*ALLOWED, "no-token", "expired", "forged", "narrow-scope", "other-district"]


def _headers(caller: str) -> dict[str, str]:
    tokens = {
        "expired": lambda: token_for(Role.INTEGRATION_TEAM, lifetime=-60),
        "forged": lambda: token_for(Role.INTEGRATION_TEAM, secret="not-the-hub-secret"),
        "narrow-scope": lambda: token_for(Role.INTEGRATION_TEAM, scopes="user/Observation.rs"),
        "other-district": lambda: token_for(Role.INTEGRATION_TEAM, district="440305"),
    }
    if caller == "no-token":
        return {}
    token = tokens[caller]() if caller in tokens else token_for(Role(caller))
    return {"Authorization": f"Bearer {token}"}


def _expected(caller: str, route: str) -> set[int] | None:
    """The statuses a refusal may have, or None when the request must get through."""
    if caller in ("no-token", "expired", "forged"):
        return {303} if route.endswith(("-page", "-redirect")) else {401}
    if caller == "narrow-scope":
        return None if route in ANY_LOGIN else {403}
    if caller == "other-district":
        return {403} if ROUTES[route][3] else _expected("integration_team", route)
    return None if route in ALLOWED[caller] else {403}


def _audit_count(client: TestClient) -> int:
    audit = client.app.state.audit  # type: ignore[attr-defined]
    audit.flush()
    total: int = audit.search(limit=0)[0]
    return total


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_gives_each_caller_the_expected_status(
    secure_app: TestClient, caller: str
) -> None:
    """Refusals are 401/403 OperationOutcomes; allowed calls get through; one audit each."""
    headers = _headers(caller) | {"Prefer": "respond-async", "Accept": "application/fhir+json"}
    for route, (method, path, body, patient_level) in ROUTES.items():
        before = _audit_count(secure_app)
        response = secure_app.request(
            method, path, json=body, headers=headers, follow_redirects=False
        )
        refused = _expected(caller, route)
        where = f"{caller} {route} -> {response.status_code} {response.text[:200]}"
        if refused is None:
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where
        else:
            assert response.status_code in refused, where
            if response.status_code != 303:
                assert response.json()["resourceType"] == "OperationOutcome", where
            if response.status_code == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer"), where
        assert _audit_count(secure_app) - before == (1 if patient_level else 0), where


@pytest.mark.parametrize("caller", ["district_authority", "auditor", "connector", "narrow-scope"])
def test_nothing_identifiable_reaches_callers_without_the_scope(
    secure_app: TestClient, caller: str
) -> None:
    """No name, resident ID or mobile in any answer to these callers, on any route."""
    headers = _headers(caller)
    for method, path, body, _ in ROUTES.values():
        text = secure_app.request(method, path, json=body, headers=headers).text
        for secret in (RESIDENT_ID, MOBILE, "患者w"):
            assert secret not in text, (caller, path)


def test_the_open_routes_need_no_token(secure_app: TestClient) -> None:
    """Health, capability statement, SMART discovery and the login page are open."""
    for path in ("/healthz", "/fhir/metadata", "/.well-known/smart-configuration", "/web/login"):
        assert secure_app.get(path).status_code == 200, path
    assert _audit_count(secure_app) == 0
