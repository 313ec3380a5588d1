"""What every command shares: settings, the store, one-sentence failures."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

import typer
from rich.console import Console

from hub.config import ConfigurationError, Settings, load_settings
from hub.security.at_rest import field_sealer
from hub.store import FhirStore, StoreUnavailable, open_store

__all__ = ["console", "fail", "open_store_or_exit", "out", "settings_or_exit"]

_CHATTY_LIBRARIES = ("great_expectations", "alembic", "splink", "py4j", "httpx")

console = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear sentence and exit (never a traceback for a user's mistake)."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    """Load and validate the settings, or exit with the sentence that names the problem."""
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigurationError as exc:
        fail(str(exc))
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Libraries that narrate their own start-up at INFO; the hub's own INFO stays.
    if settings.log_level != "DEBUG":
        for name in _CHATTY_LIBRARIES:
            logging.getLogger(name).setLevel(logging.WARNING)
    return settings


def open_store_or_exit(settings: Settings) -> FhirStore:
    """The migrated store (identifiers sealed at rest), or exit naming the database setting."""
    try:
        return open_store(settings.effective_database_url, sealer=field_sealer(settings))
    except StoreUnavailable as exc:
        fail(str(exc))
