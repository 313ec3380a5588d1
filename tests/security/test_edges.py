"""Bad input at the edges: each refused with a 4xx OperationOutcome, nothing leaks or breaks."""

from __future__ import annotations

import pytest

from hub.security.roles import Role
from tests.security.conftest import TestClient, token_for

FHIR_JSON = {"content-type": "application/fhir+json"}


@pytest.fixture
def bearer() -> dict[str, str]:
    """An integration-team token (reads only) plus a connector token (writes)."""
    return {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}


@pytest.fixture
def writer() -> dict[str, str]:
    """A connector's token: writes only."""
    return {"Authorization": f"Bearer {token_for(Role.CONNECTOR)}"} | FHIR_JSON


def _refused(response: object, *statuses: int) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status in statuses, response.text  # type: ignore[attr-defined]
    assert response.json()["resourceType"] == "OperationOutcome"  # type: ignore[attr-defined]


def test_oversized_body(secure_app: TestClient, writer: dict[str, str]) -> None:
    """A body over the limit is refused with 413 before it is parsed."""
    limit = secure_app.app.state.settings.auth.max_body_bytes  # type: ignore[attr-defined]
    body = b'{"resourceType":"Observation","status":"' + b"a" * limit + b'"}'
    _refused(secure_app.post("/fhir/Observation", content=body, headers=writer), 413)


def test_oversized_body_without_a_declared_length(
    secure_app: TestClient, writer: dict[str, str]
) -> None:
    """A chunked body is counted as it streams."""
    limit = secure_app.app.state.settings.auth.max_body_bytes  # type: ignore[attr-defined]

    def chunks() -> object:
        yield b'{"resourceType":"Bundle","type":"transaction","x":"'
        for _ in range(limit // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    response = secure_app.post("/fhir", content=chunks(), headers=writer)  # type: ignore[arg-type]
    _refused(response, 413)


def test_deeply_nested_json(secure_app: TestClient, writer: dict[str, str]) -> None:
    """Nesting deeper than the parser allows is a 400, not a crash."""
    body = b'{"resourceType":"Observation","x":' + b"[" * 5000 + b"]" * 5000 + b"}"
    _refused(secure_app.post("/fhir/Observation", content=body, headers=writer), 400)


def test_invalid_utf8_body_and_query(
    secure_app: TestClient, writer: dict[str, str], bearer: dict[str, str]
) -> None:
    """Bytes that are not UTF-8 in a body or a query string are refused."""
    body = b'{"resourceType":"Observation","status":"\xff\xfe"}'
    _refused(secure_app.post("/fhir/Observation", content=body, headers=writer), 400)
    _refused(secure_app.get("/fhir/Patient?name=%ff%fe", headers=bearer), 400)


@pytest.mark.parametrize(
    "query",
    [
        "_sort=name;DROP TABLE resource",
        "birthdate=ge2020' or '1'='1",
        "_count=1 OR 1=1",
        "_filter=name eq x or true",
        "name:contains)) or 1=1--=x",
    ],
)
def test_injection_attempts_in_search_parameters(
    secure_app: TestClient, bearer: dict[str, str], query: str
) -> None:
    """Malformed or unsupported search syntax is a 4xx (strict handling), never a 500."""
    headers = bearer | {"Prefer": "handling=strict"}
    _refused(secure_app.get(f"/fhir/Patient?{query}", headers=headers), 400)


@pytest.mark.parametrize(
    "value", ["' OR 1=1--", "x' UNION SELECT * FROM hub_user--", "%' OR '%'='"]
)
def test_injected_values_match_nothing_and_break_nothing(
    secure_app: TestClient, bearer: dict[str, str], value: str
) -> None:
    """A well-formed parameter holding SQL is just a value: no rows, and the store still works."""
    answer = secure_app.get("/fhir/Patient", params={"name": value}, headers=bearer)
    assert answer.status_code == 200
    assert answer.json()["total"] == 0
    assert secure_app.get("/fhir/Patient/w-s", headers=bearer).status_code == 200


def test_elements_with_sql_only_narrows_the_answer(
    secure_app: TestClient, bearer: dict[str, str]
) -> None:
    """Unknown _elements names are ignored (FHIR), so SQL there selects nothing extra."""
    query = "_elements=id,(select password_hash from hub_user)"
    answer = secure_app.get(f"/fhir/Patient?{query}", headers=bearer)
    assert answer.status_code == 200
    assert "scrypt" not in answer.text
    assert all(set(e["resource"]) <= {"resourceType", "id", "meta"} for e in answer.json()["entry"])


@pytest.mark.parametrize(
    "url",
    [
        "/fhir/AuditEvent?agent=a%00b",
        "/fhir/Patient?name=%00",
        "/api/worklist?street=%00",
        "/fhir/Patient/a%00b",
    ],
)
def test_a_nul_character_in_the_url_is_refused_on_every_route(
    secure_app: TestClient, url: str
) -> None:
    """Schemathesis once reached PostgreSQL with a NUL in an audit query (500); now 400."""
    auditor = {"Authorization": f"Bearer {token_for(Role.AUDITOR)}"}
    _refused(secure_app.get(url, headers=auditor), 400)
