"""Schemathesis over the OpenAPI document of the FHIR routes: no input makes the hub fail (5xx)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from hub.api import create_app
from hub.config import Settings
from hub.store import FhirStore


@pytest.fixture
def fhir_schema(store: FhirStore, settings: Settings) -> Any:
    """The app's OpenAPI document, FHIR routes only, called in-process."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store.write_many(
        [
            {"resourceType": "Patient", "id": "p1", "name": [{"family": "Li"}]},
            {
                "resourceType": "Observation",
                "id": "o1",
                "status": "final",
                "code": {"text": "x"},
                "subject": {"reference": "Patient/p1"},
            },
        ]
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, store))
    return schema.include(path_regex="^/fhir")


def _fuzz(operation: Any) -> None:
    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        if "$export" in case.path and case.method == "GET":
            case.headers = {**(case.headers or {}), "Prefer": "respond-async"}
        case.call_and_validate(checks=[not_a_server_error])

    run()


def test_no_server_errors(fhir_schema: Any) -> None:
    # Schemathesis' pytest plugin does not load under this pytest; drive Hypothesis directly.
    operations = [result.ok() for result in fhir_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        _fuzz(operation)
