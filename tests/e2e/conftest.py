"""Start the hub as a real process on a free port and talk to it over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HUB = str(Path(sys.executable).with_name("hub"))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningHub:
    """A hub process and the base URL it answers on."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path


def start_hub(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> RunningHub:
    """Run ``hub serve`` (or the given command) and wait until /healthz answers."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    # Access control off unless a test asks for it (tests/security passes HUB_AUTH__ENABLED).
    base_env = {"HUB_DATA_DIR": str(data_dir), "HUB_PORT": str(port), "HUB_AUTH__ENABLED": "false"}
    environment |= base_env | (env or {})
    log_path = data_dir.parent / f"hub-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [HUB, *(args or ("serve",))], env=environment, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"hub exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return RunningHub(process, base, log_path)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"hub did not answer within 60 s:\n{log_path.read_text()}")


def stop_hub(hub: RunningHub) -> None:
    """Stop the process and wait for it."""
    hub.process.terminate()
    try:
        hub.process.wait(15)
    except subprocess.TimeoutExpired:
        hub.process.kill()


@pytest.fixture(scope="module")
def running_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """One hub process on the embedded database for the module's tests."""
    hub = start_hub(tmp_path_factory.mktemp("hub") / "var")
    try:
        yield hub
    finally:
        stop_hub(hub)
