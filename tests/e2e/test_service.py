"""The service as a real process: metadata, health, and start-up errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from tests.e2e.conftest import HUB, RunningHub

pytestmark = pytest.mark.e2e


def test_metadata_is_a_valid_r4b_capability_statement(running_hub: RunningHub) -> None:
    response = httpx.get(f"{running_hub.base_url}/fhir/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    statement = CapabilityStatement.model_validate(response.json())
    types = {r.type for r in statement.rest[0].resource}
    assert {"Patient", "Encounter", "Observation", "QuestionnaireResponse"} <= types


def test_health_answers(running_hub: RunningHub) -> None:
    assert httpx.get(f"{running_hub.base_url}/healthz").status_code == 200


def test_write_then_read_over_http(running_hub: RunningHub) -> None:
    created = httpx.post(
        f"{running_hub.base_url}/fhir/Patient",
        content=b'{"resourceType":"Patient","gender":"female"}',
        headers={"Content-Type": "application/fhir+json"},
    )
    assert created.status_code == 201
    location = created.headers["Location"]
    read = httpx.get(location.rsplit("/_history/", 1)[0])
    assert read.json()["gender"] == "female"
    assert read.headers["ETag"] == 'W/"1"'


def _start_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    environment |= {"HUB_DATA_DIR": str(tmp_path / "var"), "HUB_PORT": "1"} | env
    return subprocess.run(
        [HUB, "serve"], env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"HUB_DATABASE_URL": "oracle://scott@db/hub"}, "HUB_DATABASE_URL"),
        ({"HUB_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/hub"}, "HUB_DATABASE_URL"),
        ({"HUB_PORT": "seventy"}, "HUB_PORT"),
    ],
)
def test_bad_configuration_stops_with_one_sentence(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    result = _start_with(tmp_path, **env)
    assert result.returncode != 0
    assert setting in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unwritable_data_directory_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _start_with(tmp_path, HUB_DATA_DIR=str(blocker / "var"))
    assert result.returncode != 0
    assert "HUB_DATA_DIR" in result.stderr
    assert "Traceback" not in result.stderr
