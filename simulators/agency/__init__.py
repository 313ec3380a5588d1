"""The simulated social-work agency: a case-management JSON API over the simulator's data.

* :func:`create_app` — the FastAPI app (in-process tests: ``httpx.ASGITransport``);
* :func:`serve` — run it with uvicorn, blocking;
* :func:`running_agency` — run it on a free local port in a background thread, as a context
  manager yielding :class:`RunningAgency` ``(base_url, token)`` (what the hub does when
  ``base_url`` is empty: ``running_agency(**sources["agency"]["simulator"])``).

The default token is :data:`simulators.config.DEFAULT_AGENCY_TOKEN` (``agency-demo-token``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import uvicorn

from simulators.agency.app import create_app
from simulators.agency.faults import FAULT_HEADER, Faults, parse_faults
from simulators.config import DEFAULT_AGENCY_TOKEN

__all__ = [
    "DEFAULT_AGENCY_TOKEN",
    "FAULT_HEADER",
    "Faults",
    "RunningAgency",
    "create_app",
    "free_port",
    "parse_faults",
    "running_agency",
    "serve",
]


def serve(
    data_path: Path | str,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str = DEFAULT_AGENCY_TOKEN,
    faults: str = "",
) -> None:
    """Serve the agency API until interrupted (blocking)."""
    uvicorn.run(create_app(data_path, token, faults), host=host, port=port, log_level="warning")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class RunningAgency(NamedTuple):
    """Where a running simulated agency listens and the token it accepts."""

    base_url: str
    token: str


@contextmanager
def running_agency(
    data: Path | str,
    token: str = DEFAULT_AGENCY_TOKEN,
    faults: str = "",
    host: str = "127.0.0.1",
    startup_timeout: float = 10.0,
) -> Iterator[RunningAgency]:
    """Run the agency over ``data`` on a free port in a background thread until the block
    ends; yields ``(base_url, token)``. Keyword names match ``[sources.agency.simulator]``."""
    port = free_port(host)
    config = uvicorn.Config(
        create_app(data, token, faults),
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"agency-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the simulated agency did not start")
        time.sleep(0.02)
    try:
        yield RunningAgency(f"http://{host}:{port}", token)
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
