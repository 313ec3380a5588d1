"""``hub quarantine list|show|replay``: what a data steward needs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from hub.commands.common import fail, open_store_or_exit, out, settings_or_exit
from hub.ingest.parking import release_parked
from hub.ingest.quarantine import list_quarantine, replay, show_quarantined

__all__ = ["register"]

quarantine_app = typer.Typer(
    help="Records kept out of the picture, with their reasons.", no_args_is_help=True
)


@quarantine_app.command("list")
def list_command(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    status: Annotated[str, typer.Option(help="open, replayed, released or all.")] = "open",
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
) -> None:
    """Quarantined records, newest first."""
    store = open_store_or_exit(settings_or_exit())
    rows = list_quarantine(
        store, source=source, status=None if status == "all" else status, limit=limit
    )
    table = Table(title=f"quarantine ({status})")
    for column in ("id", "source", "kind", "key", "stage", "first reason"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r.quarantine_id),
            r.source,
            r.record_kind,
            r.source_key or "-",
            r.stage,
            str(r.reasons[0].get("message", ""))[:90] if r.reasons else "",
        )
    out.print(table)


@quarantine_app.command("show")
def show_command(quarantine_id: int) -> None:
    """One quarantined record: every reason and the payload as it was landed."""
    store = open_store_or_exit(settings_or_exit())
    record = show_quarantined(store, quarantine_id)
    if record is None:
        fail(f"there is no quarantined record {quarantine_id}.")
    out.print(
        f"[bold]{record.record_kind}[/] {record.source_key or '(no key)'} from {record.source}"
        f" ({record.origin or 'unknown origin'}), status {record.status}"
    )
    for reason in record.reasons:
        out.print(
            f"  - [{reason.get('stage')}] {reason.get('check')}: {reason.get('message')}",
            highlight=False,
            markup=False,
        )
    typer.echo(orjson.dumps(record.payload, option=orjson.OPT_INDENT_2).decode())


@quarantine_app.command("replay")
def replay_command(
    ids: Annotated[
        list[int] | None, typer.Argument(help="Quarantine ids (default: all open).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="All open records of this source.")] = None,
    payload: Annotated[
        Path | None, typer.Option(help="A corrected payload (JSON) for one id.")
    ] = None,
) -> None:
    """Run quarantined records through the pipeline again, after a mapping or data fix."""
    from hub.wiring import quality_gate

    settings = settings_or_exit()
    store = open_store_or_exit(settings)
    chosen = list(
        ids or [r.quarantine_id for r in list_quarantine(store, source=source, limit=1_000_000)]
    )
    fixed = None
    if payload is not None:
        if len(chosen) != 1:
            fail("--payload fixes exactly one record: give one quarantine id.")
        try:
            fixed = orjson.loads(payload.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            fail(f"--payload {str(payload)!r} cannot be read as JSON ({exc}).")
    results = replay(
        store,
        chosen,
        district_code=settings.district_code,
        gate=quality_gate(store),
        fixed_payload=fixed,
    )
    released = sum(r.released for r in results)
    out.print(
        f"replayed {len(results)}: {released} stored, {len(results) - released} still quarantined"
    )
    # records parked because they pointed at a replayed record come back by themselves
    freed = release_parked(store, district_code=settings.district_code, gate=quality_gate(store))
    if freed.examined:
        out.print(
            f"released {len(freed.released)} records waiting for a missing reference; "
            f"{freed.still_parked} still wait"
        )


def register(app: typer.Typer) -> None:
    """Add ``hub quarantine``."""
    app.add_typer(quarantine_app, name="quarantine")
