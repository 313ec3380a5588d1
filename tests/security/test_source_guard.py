"""A connector bound to a source writes only resources that show they come from it."""

from __future__ import annotations

from typing import Any

from hub.domain.codes import identifier_system
from hub.security.roles import Role
from hub.security.source_guard import foreign_writes
from tests.security.conftest import TestClient, token_for

SOURCE_SYSTEM = identifier_system("source-system")


def _patient(pid: str, meta_source: str | None = None) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": pid, "gender": "female"}
    if meta_source is not None:
        patient["meta"] = {"source": meta_source}
    return patient


def _provenance(pid: str, targets: list[str], source: str) -> dict[str, Any]:
    return {
        "resourceType": "Provenance",
        "id": pid,
        "target": [{"reference": t} for t in targets],
        "recorded": "2024-01-01T00:00:00+08:00",
        "agent": [{"who": {"identifier": {"system": SOURCE_SYSTEM, "value": source}}}],
    }


def _transaction(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
            }
            for r in resources
        ],
    }


def test_what_vouches_for_a_resource() -> None:
    """meta.source or a same-source Provenance vouch; another source or nothing does not."""
    own = _transaction(_patient("a"), _provenance("pa", ["Patient/a"], "station"))
    assert foreign_writes("station", own) == []
    assert foreign_writes("hospital", own) == ["Provenance/pa", "Patient/a"]
    assert foreign_writes("station", _patient("b", "https://carehub.org/fhir/source/station")) == []
    assert foreign_writes("station", _patient("b", "https://x.org/source/hospital")) == [
        "Patient/b"
    ]
    assert foreign_writes("station", _patient("c")) == ["Patient/c"]
    unvouched = _transaction(
        _patient("a"), _patient("d"), _provenance("p", ["Patient/a"], "station")
    )
    assert foreign_writes("station", unvouched) == ["Patient/d"]


def _connector(source: str | None) -> dict[str, str]:
    token = token_for(Role.CONNECTOR, source=source) if source else token_for(Role.CONNECTOR)
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json"}


def test_a_connector_writes_its_own_source_and_nothing_else(secure_app: TestClient) -> None:
    """Its own transaction passes; another source's, or an unattributed resource, is 403."""
    station = _connector("station")
    own = _transaction(_patient("s-1"), _provenance("prov-s-1", ["Patient/s-1"], "station"))
    assert secure_app.post("/fhir", json=own, headers=station).status_code == 200
    foreign = _transaction(_patient("h-1"), _provenance("prov-h-1", ["Patient/h-1"], "hospital"))
    refused = secure_app.post("/fhir", json=foreign, headers=station)
    assert refused.status_code == 403
    assert "Provenance/prov-h-1" in refused.text
    bare = secure_app.put("/fhir/Patient/s-2", json=_patient("s-2"), headers=station)
    assert bare.status_code == 403
    marked = _patient("s-2", "https://carehub.org/fhir/source/station")
    assert secure_app.put("/fhir/Patient/s-2", json=marked, headers=station).status_code == 201
    patch = [{"op": "replace", "path": "/gender", "value": "male"}]
    headers = station | {"Content-Type": "application/json-patch+json"}
    assert secure_app.patch("/fhir/Patient/s-2", json=patch, headers=headers).status_code == 403
    team = {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}
    assert secure_app.get("/fhir/Patient/h-1", headers=team).status_code == 404  # not written
    assert secure_app.get("/fhir/Patient/s-1", headers=team).status_code == 200


def test_a_connector_without_a_source_is_not_bound(secure_app: TestClient) -> None:
    """Accounts registered without a source keep writing as before (scopes still apply)."""
    answer = secure_app.put("/fhir/Patient/x-1", json=_patient("x-1"), headers=_connector(None))
    assert answer.status_code == 201
