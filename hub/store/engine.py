"""Database engines from settings, with start-up checks that fail in one clear sentence."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from hub.store.errors import StoreUnavailable

__all__ = ["check_connection", "make_engine", "normalise_database_url"]


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for ``postgresql://`` URLs (psycopg2 is not a dependency)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def _json_serialise(value: Any) -> str:
    return orjson.dumps(value).decode()


def _configure_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, a busy timeout, and our own BEGIN (see SQLAlchemy docs)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below drive it
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    """An engine for the store: SQLite file (embedded default) or PostgreSQL."""
    url = normalise_database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"HUB_DATABASE_URL {url!r} is not a database URL.") from None
    kwargs: dict[str, Any] = {
        "echo": echo,
        "json_serializer": _json_serialise,
        "json_deserializer": orjson.loads,
    }
    if parsed.get_backend_name() == "postgresql":
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def check_connection(engine: Engine) -> None:
    """Open one connection, or raise StoreUnavailable naming the setting and the reason."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise StoreUnavailable(f"HUB_DATABASE_URL: cannot connect to {where} ({reason}).") from None
