"""``hub serve --workers N``: N processes answer on one port, over one store."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import start_hub, stop_hub

pytestmark = pytest.mark.e2e


def _worker_pids(parent: int) -> set[int]:
    """Processes uvicorn spawned to serve (its resource tracker excluded)."""
    children = subprocess.run(
        ["pgrep", "-P", str(parent), "-f", "spawn_main"], capture_output=True, text=True
    ).stdout.split()
    return {int(pid) for pid in children}


def test_two_workers_serve_one_store(tmp_path: Path) -> None:
    hub = start_hub(tmp_path / "var", "serve", "--workers", "2")
    try:
        assert len(_worker_pids(hub.process.pid)) == 2
        base = f"{hub.base_url}/fhir"
        created = httpx.post(
            f"{base}/Patient",
            content=b'{"resourceType":"Patient","gender":"male"}',
            headers={"Content-Type": "application/fhir+json"},
        )
        assert created.status_code == 201
        pid = created.json()["id"]
        # Many keep-alive-free requests land on both workers; each sees the same record.
        reads = [httpx.get(f"{base}/Patient/{pid}") for _ in range(20)]
        assert {r.status_code for r in reads} == {200}
        assert {r.json()["gender"] for r in reads} == {"male"}
        metadata = httpx.get(f"{base}/metadata").json()
        assert metadata["implementation"]["url"] == base  # the workers' public base URL
    finally:
        stop_hub(hub)
