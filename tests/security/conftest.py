"""The app with access control on, over a store holding one person from three sources."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.api import create_app
from hub.config import AuthSettings, Settings
from hub.domain.codes import identifier_system
from hub.security.at_rest import field_sealer
from hub.security.roles import Role, role_scopes
from hub.security.tokens import TokenService
from hub.store import FhirStore
from hub.store.sealing import install_sealer
from tests.continuity.district import three_sources

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2 for its test client
    from fastapi.testclient import TestClient

SECRET = "test-secret-key-for-the-security-suite"
DISTRICT = "310104"
RESIDENT_ID = "110105199001011234"
MOBILE = "13812345678"
PATIENT = "w-s"
CASE_MANAGER = "Practitioner/sw1"  # manages the agency case of the person of PATIENT


def district_records() -> list[dict[str, Any]]:
    """The three-source person, with a resident ID and a mobile, and one MeasureReport."""
    resources, _ = three_sources()
    for resource in resources:
        if resource["resourceType"] == "Patient" and resource["id"] == PATIENT:
            resource["identifier"].append(
                {"system": identifier_system("resident-id"), "value": RESIDENT_ID}
            )
            resource["telecom"] = [{"system": "phone", "value": MOBILE}]
    report = {
        "resourceType": "MeasureReport",
        "id": "follow-up-rate",
        "status": "complete",
        "type": "summary",
        "measure": "https://carehub.org/fhir/Measure/follow-up-rate",
        "period": {"start": "2024-01-01", "end": "2024-03-31"},
    }
    return [*resources, report]


@pytest.fixture
def secure_settings(tmp_path: Path) -> Settings:
    """Settings with access control on and a known secret."""
    return Settings(
        data_dir=tmp_path / "var",
        district_code=DISTRICT,
        secret_key=SECRET,  # type: ignore[arg-type]
        auth=AuthSettings(enabled=True),
        language="en",
    )


@pytest.fixture
def sealed_store(store: FhirStore, secure_settings: Settings) -> FhirStore:
    """The store with resident IDs and phone numbers sealed at rest, as the hub opens it."""
    install_sealer(store.engine, field_sealer(secure_settings))
    return store


@pytest.fixture
def secure_app(sealed_store: FhirStore, secure_settings: Settings) -> Iterator[TestClient]:
    """A client of the hub with access control on, over the loaded (sealed) store."""
    store = sealed_store
    secure_settings.data_dir.mkdir(parents=True, exist_ok=True)
    store.write_many(district_records())
    app = create_app(secure_settings, store)
    with TestClient(app, base_url="http://hub.test") as client:
        yield client
    app.state.audit.close()


def token_for(role: Role, *, scopes: str | None = None, secret: str = SECRET, **claims: Any) -> str:
    """A token the hub (or, with another secret, a forger) would issue."""
    from hub.security.scopes import parse_scopes

    service = TokenService(AuthSettings(), secret)
    granted = parse_scopes(scopes) if scopes is not None else role_scopes(role)
    claims.setdefault("district", DISTRICT)
    if role is Role.SOCIAL_WORKER:  # the manager of the person's social-work case
        claims.setdefault("fhirUser", CASE_MANAGER)
    return service.issue(subject=f"{role.value}-1", role=role, scopes=granted, **claims)
