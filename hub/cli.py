"""The ``hub`` command: one entry point for operators, data stewards and the demo."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.canonical import load_canonical_resources
from hub.commands import access as _access
from hub.commands import demo as _demo
from hub.commands import gaps as _gaps
from hub.commands import identity as _identity
from hub.commands import quality as _quality
from hub.commands import quarantine as _quarantine
from hub.commands import simulate as _simulate
from hub.commands import stats as _stats
from hub.commands import sync as _sync
from hub.commands.common import console, fail, open_store_or_exit, settings_or_exit
from hub.config import ConfigurationError
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
    load_canonical_resources(open_store_or_exit(settings))
    where = engine.url.render_as_string(hide_password=True)
    console.print(f"database schema is up to date ({where})")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (one per core).")] = 1,
) -> None:
    """Migrate the database if needed and serve the FHIR API and the web pages."""
    from hub.commands.serve import serve_store

    settings = settings_or_exit(host=host, port=port)
    store = open_store_or_exit(settings)
    load_canonical_resources(store)
    console.print(
        f"FHIR API at {settings.fhir_base_url} (metadata: {settings.fhir_base_url}/metadata)"
    )
    try:
        serve_store(settings, store, workers=workers)
    except ConfigurationError as exc:
        fail(str(exc))


for _module in (_access, _demo, _simulate, _sync, _quarantine, _quality, _gaps):
    _module.register(app)
_identity.register(app)
_stats.register(app)
