"""The PostgreSQL pool: no ping on a busy connection, a dropped idle one replaced unseen."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from hub.store.engine import make_engine


def _backend_pid(engine: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_busy_connection_is_not_pinged(postgres_url: str) -> None:
    engine = make_engine(postgres_url, idle_ping_seconds=3600)
    first = _backend_pid(engine)
    for _ in range(5):
        assert _backend_pid(engine) == first  # the same warm connection, reused
    engine.dispose()


def test_a_connection_dropped_while_idle_is_replaced(postgres_url: str) -> None:
    engine = make_engine(postgres_url, idle_ping_seconds=0)
    dropped = _backend_pid(engine)
    admin = make_engine(postgres_url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    admin.dispose()
    # The checkout ping finds the dead connection; the pool opens another for the caller.
    assert _backend_pid(engine) != dropped
    engine.dispose()


def test_without_the_idle_ping_a_dropped_connection_fails_the_caller(postgres_url: str) -> None:
    """The control: the replacement above is the ping's doing, not the pool's by chance."""
    engine = make_engine(postgres_url, idle_ping_seconds=3600)
    dropped = _backend_pid(engine)
    admin = make_engine(postgres_url)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    admin.dispose()
    with pytest.raises(OperationalError):
        _backend_pid(engine)
    assert _backend_pid(engine) != dropped  # the pool recovers on the next checkout
    engine.dispose()


def test_a_pinged_connection_can_still_switch_to_autocommit(postgres_url: str) -> None:
    """Single reads run on AUTOCOMMIT connections: the ping must leave no transaction open."""
    engine = make_engine(postgres_url, idle_ping_seconds=0)
    _backend_pid(engine)  # checked in: the next checkout pings it
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with autocommit.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()
