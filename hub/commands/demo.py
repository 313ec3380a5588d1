"""``hub demo``: the whole job on the embedded database, then serve.

Simulate a district (unless one is already there), sync its three sources, check, link,
evaluate the care gaps, and serve the API and pages, printing where to look.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from hub.canonical import load_canonical_resources
from hub.commands.common import console, open_store_or_exit, out, settings_or_exit
from hub.config import Settings
from hub.store import FhirStore

__all__ = ["register"]


def demo_command(
    # 2,000 x 3 years: about 500k FHIR resources, some 11 minutes on 2 cores (SQLite,
    # simulation included); --patients 300 gives a first look in about 2 minutes.
    patients: Annotated[int, typer.Option(help="Patients in the simulated district.")] = 2000,
    years: Annotated[int, typer.Option(help="Years of history.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the simulation.")] = 1,
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
    serve: Annotated[bool, typer.Option(help="Serve after loading (--no-serve to stop).")] = True,
) -> None:
    """Simulate a district, sync all three sources, check, link, find gaps, and serve."""
    from hub.commands.sync import run_configured
    from hub.ingest.sources import load_sources

    settings = settings_or_exit(host=host, port=port)
    district = settings.data_dir / "district"
    sources_file = district / "sources.toml"
    if not sources_file.exists():
        console.print(f"simulating {patients:,} patients over {years} years into {district} ...")
        from simulators import simulate

        summary = simulate(patients=patients, years=years, seed=seed, out=district)
        (district / "period-end.txt").write_text(summary.end.isoformat(), encoding="utf-8")
    store = open_store_or_exit(settings)
    load_canonical_resources(store)
    reports = run_configured(store, load_sources(sources_file), None, quiet=False)
    for r in reports:
        out.print(
            f"{r.source}: {r.status}, pulled {r.pulled}, stored {r.stored},"
            f" unchanged {r.unchanged},"
            f" quarantined {r.quarantined}, resources {r.resources_stored}",
            highlight=False,
        )
    _after_sync(store, settings, district)
    if serve:
        from hub.commands.serve import serve_store

        out.print(f"worklist: http://{settings.host}:{settings.port}/worklist")
        from hub.commands.access import demo_login

        out.print(demo_login(store, settings), highlight=False)
        serve_store(settings, store)


def _after_sync(store: FhirStore, settings: Settings, district: Path) -> None:
    """Find the care gaps as of the end of the simulated period (today for a real district)."""
    from hub.continuity.rules import ContinuityOptions
    from hub.continuity.service import evaluate_store

    marker = district / "period-end.txt"
    as_of = date.fromisoformat(marker.read_text().strip()) if marker.exists() else date.today()
    summary = evaluate_store(store, as_of=as_of, options=ContinuityOptions(settings.follow_up))
    out.print(
        f"care gaps as of {as_of}: {summary.open} open, {summary.closed} closed", highlight=False
    )


def register(app: typer.Typer) -> None:
    """Add ``hub demo``."""
    app.command("demo")(demo_command)
