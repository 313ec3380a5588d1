"""The ``hub`` command: one entry point for operators, data stewards and the demo."""

from __future__ import annotations

import logging
import sys
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from hub.config import ConfigurationError, Settings, load_settings
from hub.store.errors import StoreUnavailable

app = typer.Typer(
    name="hub",
    help="Continuity-of-care hub for community mental-health care.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear sentence and exit (never a traceback for a user's mistake)."""
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_or_exit(**overrides: object) -> Settings:
    """Load and validate the settings, or exit with the one sentence that names the problem."""
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigurationError as exc:
        fail(str(exc))


def configure_logging(settings: Settings) -> None:
    """Plain logging to stderr at the configured level."""
    logging.basicConfig(
        level=settings.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    from hub.store import check_connection, make_engine, upgrade

    settings = settings_or_exit()
    try:
        engine = make_engine(settings.effective_database_url)
        check_connection(engine)
        upgrade(engine)
    except StoreUnavailable as exc:
        fail(str(exc))
    console.print(
        f"database schema is up to date ({engine.url.render_as_string(hide_password=True)})"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """Migrate the database if needed and serve the FHIR API and the web pages."""
    import uvicorn

    from hub.api import create_app
    from hub.store import open_store

    settings = settings_or_exit(host=host, port=port)
    configure_logging(settings)
    try:
        store = open_store(settings.effective_database_url)
    except StoreUnavailable as exc:
        fail(str(exc))
    console.print(
        f"FHIR API at {settings.fhir_base_url}  (metadata: {settings.fhir_base_url}/metadata)"
    )
    uvicorn.run(
        create_app(settings, store),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


@app.command()
def demo(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """The main job on the embedded database: migrate and serve (later: simulate, sync, check)."""
    serve(host=host, port=port)


from hub.commands import quarantine as _quarantine  # noqa: E402
from hub.commands import simulate as _simulate  # noqa: E402
from hub.commands import sync as _sync  # noqa: E402

for _module in (_simulate, _sync, _quarantine):
    _module.register(app)


def main() -> None:  # pragma: no cover - console entry point
    """Console entry point."""
    app()
