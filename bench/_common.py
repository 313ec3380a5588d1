"""Helpers shared by the benchmark scripts: a scratch PostgreSQL database and result output."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_server() -> str:
    """The PostgreSQL server benchmarks use (HUB_BENCH_POSTGRES_URL or the local one)."""
    return os.environ.get("HUB_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A new empty database, dropped afterwards."""
    server = postgres_server()
    name = f"hub_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def new_database(name: str) -> str:
    """A new empty database that stays (replacing one of the same name); its URL."""
    server = postgres_server()
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def print_table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A readable table on stdout."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column != columns[0] else "left")
    for row in rows:
        table.add_row(*(f"{v:,.0f}" if isinstance(v, float) and v >= 100 else str(v) for v in row))
    Console().print(table)


def print_result(result: dict[str, Any]) -> None:
    """The last line of every benchmark: RESULT {json}."""
    print("RESULT " + json.dumps(result, sort_keys=True))
