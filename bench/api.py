"""FHIR API benchmark: a district in PostgreSQL, the hub as a real process, a load generator.

    .venv/bin/python bench/api.py [--patients 10000] [--seconds 8] [--workers 2]

Loads synthetic FHIR (about 60 resources per patient: Patient, Encounters, Observations,
QuestionnaireResponses, Conditions) through FhirStore.write_many into a scratch PostgreSQL
database, starts uvicorn with the hub on it, and drives it from a second process over
loopback with a small keep-alive HTTP/1.1 client (asyncio streams: cheaper per request than
httpx, so the client does not eat the cores the server needs). Scenarios: read a Patient,
search Observations by patient, Patient/$everything, each at concurrency 1 and 32.
Prints p50/p95/p99 latency and requests per second; the last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_result, print_table, scratch_postgres

_ENCOUNTERS, _OBSERVATIONS, _RESPONSES, _CONDITIONS = 12, 36, 8, 3
_LOINC = ["72133-2", "44249-1", "8867-4", "29463-7", "85354-9", "39156-5"]
_CHUNK = 100  # patients per write_many call


def _patient_resources(n: int, rng: random.Random) -> list[dict[str, Any]]:
    pid = f"p{n:06d}"
    subject = {"reference": f"Patient/{pid}"}
    out: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": pid,
            "identifier": [
                {"system": "https://carehub.org/fhir/sid/station-mrn", "value": f"MRN{n:06d}"}
            ],
            "name": [{"family": f"Family{n % 500}", "given": [f"Given{n % 97}"]}],
            "gender": rng.choice(["male", "female"]),
            "birthDate": f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-15",
            "address": [{"city": "Shanghai", "district": "Xuhui"}],
        }
    ]
    for k in range(_ENCOUNTERS):
        day = f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append(
            {
                "resourceType": "Encounter",
                "id": f"{pid}-e{k}",
                "status": "finished",
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "AMB",
                },
                "subject": subject,
                "period": {"start": f"{day}T09:00:00+08:00", "end": f"{day}T09:30:00+08:00"},
            }
        )
    for k in range(_OBSERVATIONS):
        out.append(
            {
                "resourceType": "Observation",
                "id": f"{pid}-o{k}",
                "status": "final",
                "category": [{"coding": [{"code": "survey"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": rng.choice(_LOINC)}]},
                "subject": subject,
                "encounter": {"reference": f"Encounter/{pid}-e{k % _ENCOUNTERS}"},
                "effectiveDateTime": f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-10",
                "valueQuantity": {"value": rng.randint(0, 40), "unit": "{score}"},
            }
        )
    for k in range(_RESPONSES):
        out.append(
            {
                "resourceType": "QuestionnaireResponse",
                "id": f"{pid}-q{k}",
                "status": "completed",
                "questionnaire": "https://carehub.org/fhir/Questionnaire/ssrs",
                "subject": subject,
                "authored": f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-11",
                "item": [
                    {"linkId": str(i), "answer": [{"valueInteger": rng.randint(1, 4)}]}
                    for i in range(1, 11)
                ],
            }
        )
    for k in range(_CONDITIONS):
        out.append(
            {
                "resourceType": "Condition",
                "id": f"{pid}-c{k}",
                "clinicalStatus": {"coding": [{"code": "active"}]},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "F20.0"}]},
                "subject": subject,
                "recordedDate": f"20{rng.randint(10, 24)}-06-01",
            }
        )
    return out


def _load_chunk(args: tuple[str, int, int]) -> int:
    """Write patients [start, stop) in one process (both cores load in parallel)."""
    from hub.store import open_store

    url, start, stop = args
    store = open_store(url, migrate=False)
    written = 0
    for first in range(start, stop, _CHUNK):
        rng = random.Random(first)
        batch = [
            r for n in range(first, min(stop, first + _CHUNK)) for r in _patient_resources(n, rng)
        ]
        written += store.write_many(batch).created
    store.engine.dispose()
    return written


def load_district(url: str, patients: int) -> tuple[int, float]:
    """Load the synthetic district; (resources written, seconds)."""
    from sqlalchemy import text

    from hub.store import open_store

    store = open_store(url)  # migrates
    started = time.perf_counter()
    half = patients // 2
    with ProcessPoolExecutor(2) as pool:
        written = sum(pool.map(_load_chunk, [(url, 0, half), (url, half, patients)]))
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    store.engine.dispose()
    return written, time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_hub(url: str, data_dir: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """uvicorn with the hub's app factory on the given database; waits for /healthz."""
    import httpx

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_DATABASE_URL": url, "HUB_DATA_DIR": str(data_dir), "HUB_PORT": str(port)}
    env |= {"HUB_LOG_LEVEL": "WARNING"}
    uvicorn = str(Path(sys.executable).with_name("uvicorn"))
    command = [uvicorn, "hub.api.asgi:app", "--factory", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    command += ["--http", "hub.api.asgi:NoDelayHttpToolsProtocol"]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process, port
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the hub did not start")


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> int:
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: application/fhir+json\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def _drive(port: int, paths: list[str], concurrency: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = offset
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status = await _request(reader, writer, paths[i % len(paths)])
            latencies.append(time.perf_counter() - started)
            errors += status != 200
            i += concurrency
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
    }


def load_generator(port: int, patients: int, seconds: float) -> None:
    """Entry point of the load-generating process: prints one JSON line of results."""
    rng = random.Random(7)
    ids = [f"p{rng.randrange(patients):06d}" for _ in range(5000)]
    scenarios = {
        "read": [f"/fhir/Patient/{p}" for p in ids],
        "search-by-patient": [f"/fhir/Observation?patient={p}&_count=50" for p in ids],
        "everything": [f"/fhir/Patient/{p}/$everything" for p in ids],
    }
    results: dict[str, Any] = {}
    for name, paths in scenarios.items():
        asyncio.run(_drive(port, paths[:50], 4, 1.0))  # warm caches and connections
        for concurrency in (1, 32):
            results[f"{name}@{concurrency}"] = asyncio.run(
                _drive(port, paths, concurrency, seconds)
            )
    print(json.dumps(results))


def main() -> None:
    """Load, serve, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--_drive", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._drive:
        load_generator(args._drive, args.patients, args.seconds)
        return
    with scratch_postgres() as url, TemporaryDirectory() as tmp:
        written, load_seconds = load_district(url, args.patients)
        print(f"loaded {written:,} resources in {load_seconds:.1f} s", flush=True)
        hub, port = start_hub(url, Path(tmp), args.workers)
        try:
            driver = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--_drive",
                    str(port),
                    "--patients",
                    str(args.patients),
                    "--seconds",
                    str(args.seconds),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
        finally:
            hub.terminate()
            hub.wait(30)
    results = json.loads(driver.stdout.strip().splitlines()[-1])
    rows = [
        [name, r["requests"], r["errors"], r["p50_ms"], r["p95_ms"], r["p99_ms"], r["rps"]]
        for name, r in results.items()
    ]
    print_table(
        f"FHIR API on PostgreSQL, {args.patients:,} patients, {written:,} resources, "
        f"{args.workers} uvicorn workers",
        ["scenario@concurrency", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "req/s"],
        rows,
    )
    print_result(
        {
            "patients": args.patients,
            "resources": written,
            "load_seconds": round(load_seconds, 1),
            "workers": args.workers,
            "scenarios": results,
        }
    )


if __name__ == "__main__":
    main()
