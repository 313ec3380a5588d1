"""``hub serve --workers N``: N processes answer on one port, over one store."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections import Counter
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


_LISTEN, _ESTABLISHED = "0A", "01"  # TCP states as /proc/net/tcp writes them


def _sockets_on_port(pids: set[int], port: int) -> dict[int, Counter[tuple[str, int]]]:
    """Per worker: its TCP sockets on the port, as (state, inode) counts (Linux /proc)."""
    states: dict[int, str] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                states[int(fields[9])] = fields[3]
    found: dict[int, Counter[tuple[str, int]]] = {}
    for pid in pids:
        held: Counter[tuple[str, int]] = Counter()
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = fd.readlink().name if fd.is_symlink() else ""
            if target.startswith("socket:["):
                inode = int(target[8:-1])
                if inode in states:
                    held[(states[inode], inode)] += 1
        found[pid] = held
    return found


def _listening(pids: set[int], port: int) -> dict[int, set[int]]:
    """The inodes of the listening sockets each worker holds on the port."""
    by_pid = _sockets_on_port(pids, port)
    return {pid: {i for s, i in held if s == _LISTEN} for pid, held in by_pid.items()}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux shares ports per worker")
def test_each_worker_listens_on_its_own_socket_and_connections_spread(tmp_path: Path) -> None:
    """Connections opened together reach both workers (a shared socket let one take them all)."""
    hub = start_hub(tmp_path / "var", "serve", "--workers", "2")
    try:
        pids, port = _worker_pids(hub.process.pid), int(hub.base_url.rsplit(":", 1)[1])
        deadline = time.monotonic() + 60  # /healthz answers once the first worker is up
        while time.monotonic() < deadline and not all(_listening(pids, port).values()):
            time.sleep(0.2)
        listening = _listening(pids, port)
        assert all(len(inodes) == 1 for inodes in listening.values()), listening
        assert len(set().union(*listening.values())) == 2  # two sockets, not one shared
        connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(32)]
        try:
            for conn in connections:
                conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            for conn in connections:
                assert conn.recv(64).startswith(b"HTTP/1.1 200")
            held = _sockets_on_port(pids, port)
            served = {
                pid: sum(n for (s, _), n in c.items() if s == _ESTABLISHED)
                for pid, c in held.items()
            }
            assert sum(served.values()) == 32
            assert all(n > 0 for n in served.values()), served
        finally:
            for conn in connections:
                conn.close()
    finally:
        stop_hub(hub)


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
