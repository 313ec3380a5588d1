"""``hub simulate``: write a seeded synthetic district in the three systems' native shapes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.commands.common import out

__all__ = ["register"]


def simulate_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the district to.")],
    patients: Annotated[int, typer.Option(help="Registered patients (10 to 500,000).")] = 2000,
    years: Annotated[int, typer.Option(help="Years of history.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same bytes.")] = 1,
) -> None:
    """Simulate a district: HIS + HL7 ADT, station exports, agency API data, ground truth."""
    from simulators import simulate

    summary = simulate(patients=patients, years=years, seed=seed, out=out_dir)
    out.print(summary)
    out.print(
        f"sources file: {out_dir / 'sources.toml'}  (hub sync --sources {out_dir / 'sources.toml'})"
    )


def register(app: typer.Typer) -> None:
    """Add ``hub simulate``."""
    app.command("simulate")(simulate_command)
