"""``hub identity review``: list possible matches; accept, reject or split, with who and why."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hub.commands.common import console, fail, open_store_or_exit, settings_or_exit

__all__ = ["register"]

identity_app = typer.Typer(help="Identity resolution: golden persons and review.")
review_app = typer.Typer(help="Possible matches waiting for a person.", invoke_without_command=True)
identity_app.add_typer(review_app, name="review")

Reason = Annotated[str, typer.Option("--reason", help="Why (kept with the decision).")]
By = Annotated[str, typer.Option("--by", help="Who decides (kept with the decision).")]


@review_app.callback()
def review_list(ctx: typer.Context) -> None:
    """List the possible matches still open, likeliest first."""
    if ctx.invoked_subcommand is not None:
        return
    from hub.identity.review import review_queue

    store = open_store_or_exit(settings_or_exit())
    table = Table(title="possible matches")
    for column in ("left", "right", "probability", "why it waits"):
        table.add_column(column)
    for item in review_queue(store):
        table.add_row(item.left, item.right, f"{item.probability:.3f}", item.reason)
    console.print(table)


def _decide(left: str, right: str, *, same_person: bool, reason: str, by: str) -> None:
    """Record an accept or reject and relink."""
    from hub.identity.review import decide_pair
    from hub.wiring import identity_settings

    if not reason.strip() or not by.strip():
        fail("a decision needs --reason and --by")
    settings = settings_or_exit()
    store = open_store_or_exit(settings)
    try:
        decision = decide_pair(
            store,
            same_person=same_person,
            left=left,
            right=right,
            reviewer=by.strip(),
            reason=reason.strip(),
            settings=identity_settings(settings.identity),
        )
    except (LookupError, ValueError) as exc:  # unknown records, or one record twice
        fail(str(exc))
    console.print(f"{decision.kind.value}: {left} {right} by {by} at {decision.decided_at}")


@review_app.command("accept")
def accept_command(left: str, right: str, reason: Reason, by: By) -> None:
    """Record that two source records are the same person."""
    _decide(left, right, same_person=True, reason=reason, by=by)


@review_app.command("reject")
def reject_command(left: str, right: str, reason: Reason, by: By) -> None:
    """Record that two source records are different people."""
    _decide(left, right, same_person=False, reason=reason, by=by)


@review_app.command("split")
def split_command(
    groups: Annotated[
        list[str], typer.Argument(help="Groups of record ids, ids joined by commas.")
    ],
    reason: Reason,
    by: By,
) -> None:
    """Record that a golden person holds several people: the groups stay apart for good."""
    from hub.identity.review import split_records
    from hub.wiring import identity_settings

    parsed = [[k for k in g.split(",") if k] for g in groups]
    if len(parsed) < 2 or not reason.strip() or not by.strip():
        fail("split needs at least two groups, --reason and --by")
    settings = settings_or_exit()
    store = open_store_or_exit(settings)
    try:
        split_records(
            store,
            groups=parsed,
            reviewer=by.strip(),
            reason=reason.strip(),
            settings=identity_settings(settings.identity),
        )
    except (LookupError, ValueError) as exc:  # unknown records, or groups that overlap
        fail(str(exc))
    console.print(f"split into {len(parsed)} groups by {by}")


def register(app: typer.Typer) -> None:
    """Add ``hub identity``."""
    app.add_typer(identity_app, name="identity")
