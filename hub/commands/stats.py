"""``hub views run NAME`` and ``hub stats``: the shipped views and the district indicators."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hub.commands.common import console, fail, open_store_or_exit, out, settings_or_exit

__all__ = ["register", "stats_command", "views_run_command"]

views_app = typer.Typer(
    help="SQL-on-FHIR ViewDefinitions shipped with the hub.", no_args_is_help=True
)

_WRITERS = ("csv", "parquet", "ndjson")


@views_app.command("list")
def views_list_command() -> None:
    """The shipped views: name, resource and title."""
    from hub.stats.views import shipped_views

    for view in shipped_views():
        out.print(f"{view['name']}\t{view['resource']}\t{view.get('title', '')}", highlight=False)


@views_app.command("run")
def views_run_command(
    name: Annotated[str, typer.Argument(help="View name, id or url (see `hub views list`).")],
    output_format: Annotated[str, typer.Option("--format", help="csv, parquet or ndjson.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: NAME.FORMAT).")
    ] = None,
    source: Annotated[
        Path | None, typer.Option("--ndjson", help="A Bulk $export folder instead of the store.")
    ] = None,
) -> None:
    """Run a shipped view over the store (or over Bulk $export NDJSON) and write the rows."""
    import duckdb
    import pyarrow as pa

    from hub.stats import viewdef
    from hub.stats.service import store_rows
    from hub.stats.views import store_table, view_named

    if output_format not in _WRITERS:
        fail(f"--format {output_format!r} is not one of {', '.join(_WRITERS)}.")
    try:
        view = view_named(name)
    except KeyError as exc:
        fail(str(exc.args[0]))
    connection = duckdb.connect()
    if source is not None:
        table = viewdef.run_view(view, viewdef.NdjsonFiles(source), connection=connection)
    else:
        store = open_store_or_exit(settings_or_exit())
        rows = store_rows(store, (str(view["resource"]),))
        table = viewdef.run_view(view, store_table(rows, connection, "r"), connection=connection)
    assert isinstance(table, pa.Table)
    target = output or Path(f"{view['name']}.{output_format}")
    writer = {"csv": viewdef.write_csv, "parquet": viewdef.write_parquet}
    writer.get(output_format, viewdef.write_ndjson)(table, target)
    console.print(f"{table.num_rows} rows of {view['name']} written to {target}")


def stats_command(
    period: Annotated[str, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY.")],
    area: Annotated[
        str | None, typer.Option("--area", help="A street code or the district code.")
    ] = None,
    publish: Annotated[
        bool, typer.Option("--publish", help="Write Measures and MeasureReports to the store.")
    ] = False,
) -> None:
    """The district indicators for a period, by street, with small cells suppressed."""
    from hub.stats.api import published
    from hub.stats.periods import parse_period
    from hub.stats.service import publish_to_store

    try:
        chosen = parse_period(period)
    except ValueError as exc:
        fail(str(exc))
    settings = settings_or_exit()
    store = open_store_or_exit(settings)
    if publish:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        cells = publish_to_store(store, settings, [chosen], stamp)
        cells = [c for c in cells if area is None or c.area == area]
    else:
        cells = published(store, settings, [chosen], area)
    table = Table(title=f"indicators {period} (x: suppressed)")
    for column in ("area", "indicator", "numerator", "denominator", "rate"):
        table.add_column(column, justify="left" if column in ("area", "indicator") else "right")
    for c in cells:
        rate = "x" if c.rate is None else f"{100 * c.rate:.1f}%"
        num = "x" if c.numerator is None else str(c.numerator)
        den = "x" if c.denominator is None else str(c.denominator)
        table.add_row(c.area, c.indicator, num, den, rate)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``hub views`` and ``hub stats``."""
    app.add_typer(views_app, name="views")
    app.command("stats")(stats_command)
