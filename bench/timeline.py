"""Benchmark the patient timeline: a person with about 500 events from all three sources.

Times, server-side, over a SQLite store: loading the person's resources, building the
timeline, rendering the patient page, and the two HTTP routes end to end in-process
(``/api/patients/{id}/timeline`` and ``/web/patients/{id}``). Target: under 300 ms. Usage::

    .venv/bin/python bench/timeline.py [--events 500] [--repeat 30]

The last line is ``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import print_result, print_table  # noqa: E402
from hub.api import create_app  # noqa: E402
from hub.config import AuthSettings, Settings  # noqa: E402
from hub.continuity.service import person_resources  # noqa: E402
from hub.store import open_store  # noqa: E402
from hub.timeline import build_timeline, source_systems  # noqa: E402
from hub.web.pages import render_patient  # noqa: E402
from tests.continuity.district import golden  # noqa: E402
from tests.continuity.history import History  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

START = date(2015, 1, 1)


def busy_person(events: int) -> list[dict[str, Any]]:
    """One person whose records give about ``events`` timeline events (three sources)."""
    station, hospital, agency = (
        History("b-s", source="station"),
        History("b-h", source="hospital"),
        History("b-a", source="agency"),
    )
    station.station(START)
    agency.case(START)
    step = 3650 // max(events // 5, 1)
    for i in range(events // 5):
        day = START + timedelta(days=i * step)
        station.follow_up(day, klass=str(1 + i % 3), risk=i % 4, mode=("AMB", "HH", "VR")[i % 3])
        agency.follow_up(day + timedelta(days=1), klass=None, risk=None, adherence=None, mode="HH")
        agency.scale(day + timedelta(days=2), "ssrs-total", 20 + i % 15)
        if i % 2 == 0:
            hospital.admission(day + timedelta(days=3), day + timedelta(days=step // 2))
            hospital.scale(day + timedelta(days=4), "bprs-total", 30 + i % 20)
    return (
        golden("b-g", station, hospital, agency)
        + station.resources
        + hospital.resources
        + agency.resources
    )


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def main() -> None:
    """Build the person, time each stage and the routes, print the table and RESULT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # access control off: this times the timeline, bench/security.py times the auth layer
        settings = Settings(data_dir=Path(tmp), language="zh", auth=AuthSettings(enabled=False))
        store = open_store(settings.effective_database_url)
        store.write_many(busy_person(args.events))
        with store.reading() as session:
            resources = person_resources(session, "b-g")
        events = build_timeline(resources, source_systems(resources))
        patient = store.read("Patient", "b-g").as_dict()

        def load() -> object:
            with store.reading() as session:
                return person_resources(session, "b-g")

        client = TestClient(create_app(settings, store))
        for url in ("/api/patients/b-g/timeline", "/web/patients/b-g"):
            answer = client.get(url)
            if answer.status_code != 200:  # a 401 or 404 would time nothing worth knowing
                raise SystemExit(f"GET {url} answered {answer.status_code}")
        stages = {
            "load resources": lambda: load(),
            "build timeline": lambda: build_timeline(resources, source_systems(resources)),
            "render page": lambda: render_patient(patient, resources, events, "zh"),
            "GET /api/patients/{id}/timeline": lambda: client.get("/api/patients/b-g/timeline"),
            "GET /web/patients/{id}": lambda: client.get("/web/patients/b-g"),
        }
        timings = {name: _time(fn, args.repeat) for name, fn in stages.items()}
        store.engine.dispose()
    rows = [[name, f"{p50:.1f}", f"{p95:.1f}"] for name, (p50, p95) in timings.items()]
    print_table(
        f"timeline of one person: {len(events)} events from {len(resources)} resources",
        ["stage", "p50 ms", "p95 ms"],
        rows,
    )
    page_p95 = timings["GET /web/patients/{id}"][1]
    print_result(
        {
            "events": len(events),
            "resources": len(resources),
            "p50_ms": {k: round(v[0], 1) for k, v in timings.items()},
            "p95_ms": {k: round(v[1], 1) for k, v in timings.items()},
            "page_under_300ms": page_p95 < 300,
            "load_average": os.getloadavg(),
        }
    )


if __name__ == "__main__":
    main()
