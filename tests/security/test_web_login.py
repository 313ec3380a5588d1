"""The web pages behind a login: session cookie flags, CSRF on the forms, failures audited."""

from __future__ import annotations

import re

import pytest

from hub.security.accounts import add_user
from hub.security.roles import Role
from tests.security.conftest import CASE_MANAGER, DISTRICT, PATIENT, TestClient


def _csrf(client: TestClient) -> str:
    page = client.get("/web/login")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def _add(client: TestClient, role: Role, practitioner: str | None = None) -> None:
    engine = client.app.state.store.engine  # type: ignore[attr-defined]
    add_user(engine, "lin", "correct horse", role, district=DISTRICT, practitioner=practitioner)


def test_pages_redirect_to_login_until_the_user_logs_in(secure_app: TestClient) -> None:
    """Without a session the page sends the browser to the login form; after it, it shows."""
    _add(secure_app, Role.INTEGRATION_TEAM)
    first = secure_app.get("/web/worklist", follow_redirects=False)
    assert (first.status_code, first.headers["location"]) == (303, "/web/login")
    form = {"username": "lin", "password": "correct horse", "csrf": _csrf(secure_app)}
    login = secure_app.post("/web/login", data=form, follow_redirects=False)
    assert login.status_code == 303, login.text
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert secure_app.get("/web/patients/w-s").status_code == 200


def test_login_without_the_csrf_token_is_refused(secure_app: TestClient) -> None:
    """A form posted from another site (no matching CSRF token) starts no session."""
    _add(secure_app, Role.INTEGRATION_TEAM)
    _csrf(secure_app)
    form = {"username": "lin", "password": "correct horse", "csrf": "guessed"}
    answer = secure_app.post("/web/login", data=form, follow_redirects=False)
    assert answer.status_code == 403
    assert "hub_session" not in answer.headers.get("set-cookie", "")


def test_wrong_password_is_refused_and_audited(secure_app: TestClient) -> None:
    """401 with the form again, and a failed-login AuditEvent naming the user tried."""
    _add(secure_app, Role.INTEGRATION_TEAM)
    form = {"username": "lin", "password": "wrong", "csrf": _csrf(secure_app)}
    assert secure_app.post("/web/login", data=form).status_code == 401
    events = secure_app.app.state.audit.search(agent="lin")[1]  # type: ignore[attr-defined]
    assert len(events) == 1
    assert events[0]["outcome"] == "4"


def test_a_social_worker_session_has_the_social_worker_limits(secure_app: TestClient) -> None:
    """The same roles apply to pages: a social worker sees the worklist, not the record."""
    _add(secure_app, Role.SOCIAL_WORKER, CASE_MANAGER)
    form = {"username": "lin", "password": "correct horse", "csrf": _csrf(secure_app)}
    secure_app.post("/web/login", data=form)
    assert secure_app.get("/web/worklist").status_code == 200
    assert secure_app.get("/web/patients/w-s").status_code == 403


@pytest.mark.parametrize(
    ("practitioner", "status"), [(CASE_MANAGER, 200), ("Practitioner/sw2", 403)]
)
def test_a_social_worker_session_reaches_only_their_own_cases(
    secure_app: TestClient, practitioner: str, status: int
) -> None:
    """The login carries the account's Practitioner: the case manager reads the client."""
    _add(secure_app, Role.SOCIAL_WORKER, practitioner)
    form = {"username": "lin", "password": "correct horse", "csrf": _csrf(secure_app)}
    secure_app.post("/web/login", data=form)
    assert secure_app.get(f"/fhir/Patient/{PATIENT}").status_code == status


def test_logout_ends_the_session(secure_app: TestClient) -> None:
    """After logout (CSRF-checked) the pages redirect to the login again."""
    _add(secure_app, Role.INTEGRATION_TEAM)
    token = _csrf(secure_app)
    secure_app.post(
        "/web/login", data={"username": "lin", "password": "correct horse", "csrf": token}
    )
    assert secure_app.post("/web/logout", data={"csrf": "x"}).status_code == 403
    session = secure_app.cookies["hub_session"]
    page = secure_app.get("/web/logout")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    secure_app.post("/web/logout", data={"csrf": match.group(1)})
    assert "hub_session" not in secure_app.cookies
    assert secure_app.get("/web/worklist", follow_redirects=False).status_code == 303
    # the session itself has ended: a copy of the cookie taken before no longer works
    secure_app.cookies.set("hub_session", session)
    assert secure_app.get("/web/worklist", follow_redirects=False).status_code == 303
    assert secure_app.get("/fhir/Patient/w-s").status_code == 401


def test_pages_offer_the_logout(secure_app: TestClient) -> None:
    """Every page links to the logout form."""
    _add(secure_app, Role.INTEGRATION_TEAM)
    form = {"username": "lin", "password": "correct horse", "csrf": _csrf(secure_app)}
    secure_app.post("/web/login", data=form)
    assert 'href="/web/logout"' in secure_app.get("/web/worklist").text


def test_revoking_a_user_ends_their_session_at_once(secure_app: TestClient) -> None:
    """A revoked user's next page request goes back to the login form."""
    from hub.security.accounts import revoke

    _add(secure_app, Role.INTEGRATION_TEAM)
    form = {"username": "lin", "password": "correct horse", "csrf": _csrf(secure_app)}
    secure_app.post("/web/login", data=form)
    assert secure_app.get("/web/worklist").status_code == 200
    revoke(secure_app.app.state.store.engine, "user", "lin")  # type: ignore[attr-defined]
    assert secure_app.get("/web/worklist", follow_redirects=False).status_code == 303


def test_a_logout_holds_on_every_worker(secure_app: TestClient) -> None:
    """Another worker process (another app over the same database) refuses the ended session."""
    from hub.api.app import create_app

    _add(secure_app, Role.INTEGRATION_TEAM)
    form = {"username": "lin", "password": "correct horse", "csrf": _csrf(secure_app)}
    secure_app.post("/web/login", data=form)
    session = secure_app.cookies["hub_session"]
    app = secure_app.app
    other_app = create_app(app.state.settings, app.state.store)  # type: ignore[attr-defined]
    with TestClient(other_app, base_url="http://hub.test") as other:
        other.cookies.set("hub_session", session)
        assert other.get("/web/worklist", follow_redirects=False).status_code == 200
        page = secure_app.get("/web/logout")
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match is not None
        secure_app.post("/web/logout", data={"csrf": match.group(1)})
        assert other.get("/web/worklist", follow_redirects=False).status_code == 303
    other_app.state.audit.close()


def test_an_ended_session_is_refused_as_a_bearer_header_too(secure_app: TestClient) -> None:
    """Logout ends the session token, whichever way it is sent afterwards."""
    _add(secure_app, Role.INTEGRATION_TEAM)
    form = {"username": "lin", "password": "correct horse", "csrf": _csrf(secure_app)}
    secure_app.post("/web/login", data=form)
    bearer = {"Authorization": f"Bearer {secure_app.cookies['hub_session']}"}
    page = secure_app.get("/web/logout")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match is not None
    secure_app.post("/web/logout", data={"csrf": match.group(1)})
    secure_app.cookies.clear()
    refused = secure_app.get("/fhir/Patient/w-s", headers=bearer)
    assert refused.status_code == 401
    assert "ended" in refused.text
    from hub.api.app import create_app  # another worker over the same database refuses it too

    app = secure_app.app
    other_app = create_app(app.state.settings, app.state.store)  # type: ignore[attr-defined]
    with TestClient(other_app, base_url="http://hub.test") as other:
        assert other.get("/fhir/Patient/w-s", headers=bearer).status_code == 401
    other_app.state.audit.close()
