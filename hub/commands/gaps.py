"""``hub gaps``: evaluate the continuity rules over the store and write or close Tasks."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from hub.commands.common import console, fail, open_store_or_exit, settings_or_exit

__all__ = ["gaps_command", "register"]


def gaps_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Evaluation day, YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Find the continuity gaps as of a day: open Tasks for new gaps, close answered ones."""
    from hub.continuity.catalogue import RULES
    from hub.continuity.rules import ContinuityOptions
    from hub.continuity.service import evaluate_store

    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date; write it as YYYY-MM-DD.")
    settings = settings_or_exit()
    store = open_store_or_exit(settings)
    summary = evaluate_store(store, as_of=day, options=ContinuityOptions(settings.follow_up))
    table = Table(title=f"continuity gaps as of {day.isoformat()}")
    table.add_column("rule")
    table.add_column("open", justify="right")
    for rule in RULES:
        table.add_row(rule.id, str(summary.by_rule.get(rule.id, 0)))
    console.print(table)
    console.print(
        f"{summary.persons} persons, {summary.open} open gaps, {summary.closed} closed now, "
        f"{summary.written} Tasks written"
    )


def register(app: typer.Typer) -> None:
    """Add ``hub gaps``."""
    app.command("gaps")(gaps_command)
