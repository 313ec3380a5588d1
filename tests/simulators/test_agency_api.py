"""Contract of the simulated agency API, fault modes included."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators import DEFAULT_AGENCY_TOKEN, SimulationSummary
from simulators.agency import create_app, parse_faults, running_agency
from tests.simulators import readers

AUTH = {"Authorization": f"Bearer {DEFAULT_AGENCY_TOKEN}"}


@pytest.fixture(scope="module")
def data(clean_run: SimulationSummary) -> Path:
    return clean_run.out / "agency" / "agency.sqlite"


def _client(data: Path, faults: str = "") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(data, DEFAULT_AGENCY_TOKEN, faults))
    return httpx.AsyncClient(transport=transport, base_url="http://agency")


async def _pages(
    client: httpx.AsyncClient,
    collection: str,
    **params: Any,
) -> list[dict[str, Any]]:
    docs, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        reply = await client.get(f"/api/v1/{collection}", params=query, headers=AUTH)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        docs.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return docs


def test_missing_or_wrong_token_is_401(data: Path) -> None:
    async def go() -> None:
        async with _client(data) as client:
            for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}):
                reply = await client.get("/api/v1/cases", headers=headers)
                assert reply.status_code == 401
                assert reply.headers["WWW-Authenticate"] == "Bearer"
            assert (await client.get("/api/v1/health")).status_code == 200

    asyncio.run(go())


@pytest.mark.parametrize("collection", list(readers.agency_collections()))
def test_paging_returns_every_document_once_in_order(
    data: Path, collection: str, clean_run: SimulationSummary
) -> None:
    key = readers.agency_collections()[collection]
    stored = {d[key] for d in readers.read_agency(clean_run.out, collection)}

    async def go() -> list[dict[str, Any]]:
        async with _client(data) as client:
            return await _pages(client, collection, limit=7)

    docs = asyncio.run(go())
    keys = [d[key] for d in docs]
    assert len(keys) == len(set(keys)) == len(stored)
    assert set(keys) == stored
    order = [(d["updated_at"], d[key]) for d in docs]
    assert order == sorted(order)


def test_updated_since_keeps_only_later_documents(
    data: Path,
    clean_run: SimulationSummary,
) -> None:
    docs = readers.read_agency(clean_run.out, "contacts")
    stamps = sorted(d["updated_at"] for d in docs)
    middle = stamps[len(stamps) // 2]
    naive = middle[:19]  # without offset: China Standard Time is assumed

    async def go(since: str) -> list[dict[str, Any]]:
        async with _client(data) as client:
            return await _pages(client, "contacts", limit=50, updated_since=since)

    expected = {d["contact_id"] for d in docs if d["updated_at"] >= middle}
    assert {d["contact_id"] for d in asyncio.run(go(middle))} == expected
    assert {d["contact_id"] for d in asyncio.run(go(naive))} == expected
    assert 0 < len(expected) < len(docs)


def test_bad_cursor_limit_and_collection(data: Path) -> None:
    async def go() -> None:
        async with _client(data) as client:
            bad = await client.get("/api/v1/cases", params={"cursor": "!!"}, headers=AUTH)
            assert bad.status_code == 400
            assert (
                await client.get("/api/v1/cases", params={"limit": 0}, headers=AUTH)
            ).status_code == 422
            assert (await client.get("/api/v1/patients", headers=AUTH)).status_code == 404

    asyncio.run(go())


def test_429_carries_retry_after(data: Path) -> None:
    async def go() -> None:
        async with _client(data, "429:1.0,retry_after:3") as client:
            reply = await client.get("/api/v1/cases", headers=AUTH)
            assert reply.status_code == 429
            assert reply.headers["Retry-After"] == "3"
        async with _client(data) as client:
            forced = await client.get("/api/v1/cases", headers={**AUTH, "X-Simulate-Fault": "429"})
            assert forced.status_code == 429

    asyncio.run(go())


def test_500_on_demand_and_seeded_dice(data: Path) -> None:
    async def statuses(faults: str) -> list[int]:
        async with _client(data, faults) as client:
            return [
                (await client.get("/api/v1/cases", headers=AUTH)).status_code for _ in range(30)
            ]

    assert set(asyncio.run(statuses("500:1.0"))) == {500}
    mixed = asyncio.run(statuses("500:0.3,seed:4"))
    assert {200, 500} == set(mixed)
    assert mixed == asyncio.run(statuses("500:0.3,seed:4"))  # same seed, same faults


@pytest.fixture(scope="module")
def slow_agency(data: Path) -> Iterator[str]:
    with running_agency(data, faults="timeout:1.0,delay:0.5") as agency:
        assert agency.token == DEFAULT_AGENCY_TOKEN
        yield agency.base_url


def test_slow_response_trips_the_client_timeout(slow_agency: str) -> None:
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{slow_agency}/api/v1/cases", headers=AUTH, timeout=0.1)
    reply = httpx.get(f"{slow_agency}/api/v1/cases", headers=AUTH, timeout=5.0)
    assert reply.status_code == 200  # a patient client gets the page


def test_documents_updated_while_paging_are_not_lost(
    data: Path,
    clean_run: SimulationSummary,
) -> None:
    stored = {d["contact_id"] for d in readers.read_agency(clean_run.out, "contacts")}

    async def go() -> list[dict[str, Any]]:
        async with _client(data, "mutate:0.5,seed:2") as client:
            return await _pages(client, "contacts", limit=20)

    docs = asyncio.run(go())
    keys = [d["contact_id"] for d in docs]
    assert set(keys) == stored  # keyset paging: a moved document is seen later, not skipped
    assert len(keys) > len(stored)  # and some were seen twice, with a newer updated_at
    latest: dict[str, str] = {}
    for d in docs:
        assert d["updated_at"] >= latest.get(d["contact_id"], "")
        latest[d["contact_id"]] = d["updated_at"]
    on_disk = {
        d["contact_id"]: d["updated_at"] for d in readers.read_agency(clean_run.out, "contacts")
    }
    assert any(latest[k] != on_disk[k] for k in on_disk)  # served changed, the file did not


def test_fault_strings_are_checked() -> None:
    assert parse_faults("").any is False
    plan = parse_faults("timeout:0.02,429:0.05,500:0.02,mutate:0.01")
    assert (plan.timeout, plan.too_many, plan.server_error, plan.mutate) == (0.02, 0.05, 0.02, 0.01)
    with pytest.raises(ValueError, match="unknown fault"):
        parse_faults("teapot:0.1")
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_faults("500:2")


def test_runs_as_its_own_process(data: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulators.agency", str(data), "--token", "t0k"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().split(" on ")[1].strip()
        for _ in range(200):
            try:
                if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        reply = httpx.get(f"{base_url}/api/v1/closures", headers={"Authorization": "Bearer t0k"})
        assert reply.status_code == 200
        assert "next_cursor" in reply.json()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_starts_from_the_sources_toml_simulator_table(clean_run: SimulationSummary) -> None:
    import tomllib

    config = tomllib.loads((clean_run.out / "sources.toml").read_text(encoding="utf-8"))
    with running_agency(**config["sources"]["agency"]["simulator"]) as (base_url, token):
        reply = httpx.get(f"{base_url}/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200
        assert len(reply.json()["items"]) > 0
