"""Database engines from settings, with start-up checks that fail in one clear sentence."""

from __future__ import annotations

import time
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError

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


#: A pooled PostgreSQL connection idle longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 10.0
#: Connections older than this are replaced (servers and firewalls drop old idle ones).
RECYCLE_SECONDS = 1800


def _ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Ping a connection on checkout only when it sat idle (SQLAlchemy's custom pessimistic
    disconnect handling): ``pool_pre_ping`` pings on every checkout, a round trip that cost
    about a fifth of a read under load (py-spy, bench/api.py); a busy pool's connections
    were just used and need none. A dead one raises DisconnectionError, and the pool
    replaces it and retries, so a database restart still costs no request."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            # The ping opened a transaction; end it, or autocommit cannot be switched on.
            dbapi_connection.rollback()
        except Exception as exc:  # any failure: the pool discards the connection and retries
            raise DisconnectionError(str(exc)) from exc


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    idle_ping_seconds: float = IDLE_PING_SECONDS,
) -> Engine:
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
        kwargs.update(
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_recycle=RECYCLE_SECONDS,
            # Most recently used first: under light load the same few connections stay
            # warm (and unpinged) while the rest age out through pool_recycle.
            pool_use_lifo=True,
        )
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    else:
        _ping_idle_connections(engine, idle_ping_seconds)
        _plan_every_statement(engine)
    return engine


def _plan_every_statement(engine: Engine) -> None:
    """No server-side prepared statements on the engine's connections: each is planned anew.

    psycopg prepares a statement on its fifth use, and PostgreSQL then keeps one generic
    plan for it until the table is analysed again. A plan made while the store was empty
    reads, for ``resource_type = $1 AND resource_id = ANY($2)``, every row of the type and
    tests each against the array; with autovacuum off (as on this project's machines) or
    before its first analyse of a bulk load, every batch then scanned the whole type, and
    loading 2.3M resources slowed quadratically (seconds per 2,000-id batch at 1.3M rows,
    seen in pg_stat_activity). Planning a statement costs tens of microseconds; the hot
    single reads keep their own prepared statement (``hub.api.single_reads``), whose plan
    is a primary-key lookup at any size.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.prepare_threshold = None


def check_connection(engine: Engine) -> None:
    """Open one connection, or raise StoreUnavailable naming the setting and the reason."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise StoreUnavailable(f"HUB_DATABASE_URL: cannot connect to {where} ({reason}).") from None
