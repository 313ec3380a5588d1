"""``hub quality``: run the checks over the landed data (no sync) and print the report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from hub.commands.common import console, open_store_or_exit, settings_or_exit

if TYPE_CHECKING:  # the quality layer starts Great Expectations: imported when the command runs
    from hub.quality.service import QualityRun

__all__ = ["quality_command", "register"]


def _table(run: QualityRun) -> Table:
    table = Table(title=f"quality run {run.run_id} ({run.kind})")
    for name in ("source", "check", "category", "checked", "failed", "rate", "threshold"):
        table.add_column(name, justify="right" if name in ("checked", "failed") else "left")
    table.add_column("status")
    table.add_column("examples")
    for r in run.results:
        rate = f"{r.rate:.2%}" if r.rate is not None else "–"
        style = {"failed": "red", "error": "yellow", "not_applicable": "dim"}.get(r.status, "")
        table.add_row(
            r.source,
            r.check,
            r.category,
            str(r.checked),
            str(r.failed),
            rate,
            f"{r.threshold:.2%}",
            f"[{style}]{r.status}[/]" if style else r.status,
            ", ".join(r.examples),
        )
    return table


def quality_command(
    source: Annotated[str | None, typer.Option(help="Only this source (default: all).")] = None,
    only_failing: Annotated[
        bool, typer.Option("--failing", help="Print only checks that did not pass.")
    ] = False,
    cross_source: Annotated[
        bool,
        typer.Option(
            "--cross-source", help="Run the cross-source plausibility pass over the store instead."
        ),
    ] = False,
) -> None:
    """Check the landed data without syncing; keep the run's report and print its table."""
    from hub.quality.service import check_landing, check_store

    store = open_store_or_exit(settings_or_exit())
    run = check_store(store) if cross_source else check_landing(store, source=source)
    if only_failing:
        from dataclasses import replace

        run = replace(run, results=tuple(r for r in run.results if r.status != "passed"))
    console.print(_table(run))
    console.print(", ".join(f"{n} {status.replace('_', ' ')}" for status, n in run.summary.items()))
    if run.summary["error"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``hub quality``."""
    app.command("quality")(quality_command)
