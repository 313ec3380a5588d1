"""``hub sync``: pull every source, with a progress bar per source and a run report."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.canonical import load_canonical_resources
from hub.commands.common import console, fail, open_store_or_exit, out, settings_or_exit
from hub.config import read_secret
from hub.ingest.report import SourceReport
from hub.ingest.runner import default_factory, run_sync
from hub.ingest.sources import SourcesConfig, SourcesFileError, load_sources

__all__ = ["register"]


@contextlib.contextmanager
def simulated_agency(config: SourcesConfig) -> Iterator[dict[str, str]]:
    """Start the simulated agency for sources that ask for it (``base_url = ""``).

    Yields the environment-style secrets to use for them.
    """
    secrets: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        for source in config.sources.values():
            options = source.model_extra or {}
            simulator = options.get("simulator")
            if source.kind != "agency_api" or options.get("base_url") or not simulator:
                continue
            starter = _agency_starter()
            if starter is None:  # the source then fails set-up, naming the missing base_url
                continue
            base_url, token = stack.enter_context(starter(**simulator))
            options["base_url"] = base_url
            secrets[str(options.get("token_env", "HUB_SOURCE_AGENCY_TOKEN"))] = token
        yield secrets


def _agency_starter() -> Any:
    """The simulator's 'run the agency API in the background' context manager, if it has one."""
    import simulators.agency as agency

    for name in ("running_agency", "serve_in_background", "background_agency"):
        starter = getattr(agency, name, None)
        if starter is not None:
            return starter
    return None


def _report_table(reports: list[SourceReport]) -> Table:
    table = Table(title="sync report")
    for column in (
        "source",
        "status",
        "pulled",
        "new",
        "changed",
        "unchanged",
        "quarantined",
        "resources",
        "retries",
        "seconds",
    ):
        table.add_column(column, justify="left" if column in ("source", "status") else "right")
    for r in reports:
        table.add_row(
            r.source,
            r.status,
            str(r.pulled),
            str(r.new),
            str(r.changed),
            str(r.unchanged),
            str(r.quarantined),
            str(r.resources_stored),
            str(r.retries),
            f"{r.duration_seconds:.1f}",
        )
    return table


def _print_details(reports: list[SourceReport]) -> None:
    linked = reports[0].linked if reports else {}
    if linked.get("error"):
        console.print(f"[red]identity:[/] {linked['error']}", highlight=False)
    elif linked:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(linked.items()))
        out.print(f"identity linkage: {counts}", highlight=False)
    for r in reports:
        if r.error:
            console.print(f"[red]{r.source}:[/] {r.error}", highlight=False)
        if r.quarantined_by_reason:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(r.quarantined_by_reason.items()))
            out.print(f"{r.source} quarantined by reason: {reasons}", highlight=False)
        if r.resources_by_type:
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(r.resources_by_type.items()))
            out.print(f"{r.source} resources stored: {kinds}", highlight=False)


def sync_command(
    sources: Annotated[Path, typer.Option("--sources", help="The sources TOML file.")],
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this source (repeatable).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            help="Processes that parse, check and map pages (0: all in this one; "
            "default: one per CPU core).",
        ),
    ] = None,
) -> None:
    """Pull every source (or --source NAME), land, check, map, link and store; print the report."""
    settings = settings_or_exit()
    try:
        config = load_sources(sources)
    except SourcesFileError as exc:
        fail(str(exc))
    store = open_store_or_exit(settings)
    load_canonical_resources(store)
    reports = run_configured(store, config, source, quiet=as_json, workers=workers)
    if as_json:
        payload = {
            "sources": [r.as_dict() for r in reports],
            "reconciles": all(r.reconciles for r in reports),
        }
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
    else:
        out.print(_report_table(reports))
        _print_details(reports)
    if any(r.status != "succeeded" for r in reports):
        raise typer.Exit(1)


def run_configured(
    store: Any,
    config: SourcesConfig,
    only: list[str] | None,
    *,
    quiet: bool,
    workers: int | None = None,
) -> list[SourceReport]:
    """Run the sync with progress bars, starting simulated sources when asked to.

    ``workers``: mapping processes beside this one (None: one per CPU core).
    """
    from hub.wiring import identity_linker, quality_gate

    with simulated_agency(config) as simulated_secrets:

        def secret(name: str) -> str | None:
            return read_secret(name) or simulated_secrets.get(name)

        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
            transient=True,
        ) as progress:
            tasks: dict[str, Any] = {}

            def on_page(report: SourceReport) -> None:
                if report.source not in tasks:
                    tasks[report.source] = progress.add_task(report.source)
                progress.update(
                    tasks[report.source],
                    description=(
                        f"{report.source}: {report.pulled} pulled, "
                        f"{report.quarantined} quarantined, "
                        f"{report.resources_stored} resources"
                    ),
                )

            gate = quality_gate(store)
            reports = run_sync(
                store=store,
                config=config,
                factory=default_factory(secret),
                only=only,
                gate=gate,
                linker=identity_linker(store),
                on_page=on_page,
                workers=(os.cpu_count() or 1) if workers is None else workers,
            )
            gate.save(store)
            return reports


def register(app: typer.Typer) -> None:
    """Add ``hub sync``."""
    app.command("sync")(sync_command)
