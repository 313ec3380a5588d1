"""Where bench/store_write.py's bulk create spends its CPU: client steps, backend per table/index.

The client side runs the store's own steps (content hash, stamping and serialising, index
rows) over the same documents in the same batches and reads this process's CPU. The server
side COPYs the rows the store writes into each table of a migrated scratch database through
the store's own ``insert_tables`` (one transaction per batch), reading the backend's CPU
from /proc: with all the table's indexes, then without each secondary index in turn (the
difference is what that index costs), then with none but the primary key, the variants
alternating within each round. Each figure is the least of ``rounds`` runs, as CPU time
moves less with load than wall time does; a difference of two such figures still carries
their noise (at a 10 ms clock tick and a machine shared with others, a few hundredths of a
second, and an index costing next to nothing can come out slightly negative).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, text

from hub.search.extract import index_rows, new_table_rows
from hub.store import open_store
from hub.store.batch import LEAD_TABLE, _stamped, created_rows, lead_rows, stamped_new
from hub.store.bulk import insert_tables
from hub.store.documents import content_hash, dumps, instant, utc_now
from hub.store.schema import INDEX_TABLES, resource

__all__ = ["backend_cpu", "breakdown", "client_steps", "server_costs", "table_rows"]

Batches = list[list[dict[str, Any]]]


def backend_cpu(pid: int | None) -> float | None:
    """CPU seconds a PostgreSQL backend on this machine has used (None when not known)."""
    if pid is None:
        return None
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
            return None
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start


def client_steps(batches: Batches, rounds: int) -> dict[str, float]:
    """This process's CPU seconds per step of a bulk create of the batches (least of rounds)."""
    stamp = instant(utc_now())

    def hashes() -> None:
        for batch in batches:
            for document in batch:
                content_hash(document)

    def serialise() -> None:
        for batch in batches:
            for document in batch:
                dumps(_stamped(document, 1, stamp))

    def index() -> None:
        for batch in batches:
            rows = new_table_rows()
            for document in batch:
                index_rows(document, document["id"], rows)

    steps = {"content hash": hashes, "stamp + serialise": serialise, "index rows": index}
    return {name: min(_cpu(step) for _ in range(rounds)) for name, step in steps.items()}


def table_rows(batches: Batches) -> dict[str, list[list[tuple[Any, ...]]]]:
    """Each table's rows per batch, as the store's batch write builds them for new resources."""
    moment = utc_now()
    tables: dict[str, list[list[tuple[Any, ...]]]] = {"resource": []}
    tables.update({name: [] for name in INDEX_TABLES})
    for batch in batches:
        index = new_table_rows()
        new = stamped_new([(("Observation", d["id"]), d) for d in batch], moment)
        for _row in lead_rows(new, index_rows, index, LEAD_TABLE):  # fills index
            pass
        tables["resource"].append(list(created_rows(new, moment)))
        for name in INDEX_TABLES:
            tables[name].append(index[name])
    return tables


def _backend(conn: Connection) -> Callable[[], float | None]:
    pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return lambda: backend_cpu(pid)


def _copy_once(
    conn: Connection, table: Table, batches: list[list[tuple[Any, ...]]]
) -> tuple[float, float]:
    """Backend and client CPU seconds of COPYing the batches into the (emptied) table."""
    backend = _backend(conn)
    server, client = backend() or 0.0, time.process_time()
    for rows in batches:
        insert_tables(conn, {table: rows})
        conn.commit()
    return (backend() or 0.0) - server, time.process_time() - client


def _indexes(conn: Connection, table: Table) -> dict[str, str]:
    """Definitions of a table's indexes other than its primary key, by name."""
    rows = conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :t "
            "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')"
        ),
        {"t": table.name},
    )
    return {r.indexname: r.indexdef for r in rows}


def _empty_with(conn: Connection, table: Table, indexes: dict[str, str], keep: set[str]) -> None:
    """Empty the table and leave it with the kept indexes (cheap on an empty table)."""
    conn.execute(text(f"TRUNCATE {table.name}"))
    present = set(_indexes(conn, table))
    for name in present - keep:
        conn.execute(text(f"DROP INDEX {name}"))
    for name in keep - present:
        conn.execute(text(indexes[name]))
    conn.commit()


def _table_costs(
    conn: Connection, table: Table, batches: list[list[tuple[Any, ...]]], rounds: int
) -> list[dict[str, Any]]:
    """The table's COPY cost with all indexes, without each in turn, and with none.

    The variants alternate within each round, so the other users' load spreads over all.
    """
    indexes = _indexes(conn, table)
    everything = set(indexes)
    variants = {"all": everything, **{n: everything - {n} for n in indexes}, "none": set()}
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        for variant, keep in variants.items():
            _empty_with(conn, table, indexes, keep)
            cost = _copy_once(conn, table, batches)
            seen = best.get(variant, cost)
            best[variant] = (min(seen[0], cost[0]), min(seen[1], cost[1]))
    _empty_with(conn, table, indexes, everything)
    rows, (server, client) = sum(len(b) for b in batches), best["all"]
    name = table.name
    return [
        {"part": f"{name}: all indexes", "rows": rows, "server": server, "client": client},
        *(
            {"part": f"{name}: index {n}", "label": f"  index {n}", "server": server - best[n][0]}
            for n in indexes
        ),
        {
            "part": f"{name}: primary key only",
            "label": "  primary key only",
            "server": best["none"][0],
        },
    ]


def server_costs(url: str, batches: Batches, rounds: int) -> list[dict[str, Any]]:
    """Backend (and client) CPU seconds of COPYing the store's rows, per table and per index.

    ``url`` must be a scratch database on this machine: its indexes are dropped on the way.
    """
    store = open_store(url)
    tables = table_rows(batches)
    found: list[dict[str, Any]] = []
    with store.engine.connect() as conn:
        for name, per_batch in tables.items():
            if any(per_batch):
                table = resource if name == "resource" else INDEX_TABLES[name]
                found.extend(_table_costs(conn, table, per_batch, rounds))
    store.engine.dispose()
    return found


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def breakdown(
    batches: Batches, rounds: int, url: str, store_cpu: dict[str, Any], copy_cpu: dict[str, Any]
) -> tuple[list[list[Any]], dict[str, Any]]:
    """Table rows (part, rows, backend s, client s) of where the bulk create's CPU goes.

    ``store_cpu``/``copy_cpu``: the client and server CPU of the whole bulk create and of the
    bare COPY measured in the rounds, for the remainder ("other") and the comparison lines.
    """
    server = server_costs(url, batches, rounds)
    client = client_steps(batches, rounds)
    tables = [p for p in server if p["part"].endswith("all indexes")]
    copy_client = sum(p["client"] for p in tables)
    server_sum = sum(p["server"] for p in tables)
    floor = sum(p["server"] for p in server if p["part"].endswith("primary key only"))
    n = sum(len(b) for b in batches)
    rows = [
        [p.get("label", p["part"]), p.get("rows", ""), _cell(p["server"]), _cell(p.get("client"))]
        for p in server
    ]
    rows.append(["all tables, all indexes (sum)", "", _cell(server_sum), _cell(copy_client)])
    rows.append(["all tables, primary keys only (sum)", "", _cell(floor), ""])
    rest = store_cpu["server"] - server_sum
    rows.append(["backend: the rest (versions read, commits)", "", _cell(rest), ""])
    rows.append(["bare jsonb table, same JSON (COPY)", n, _cell(copy_cpu["server"]), ""])
    rows += [[f"client: {name}", n, "", _cell(cpu)] for name, cpu in client.items()]
    rows.append(["client: COPY rows (format + send, above)", "", "", _cell(copy_client)])
    other = store_cpu["client"] - copy_client - sum(client.values())
    rows.append(["client: the rest (versions read, statements, commits)", "", "", _cell(other)])
    rows.append(
        [
            "whole bulk create (from the rounds)",
            n,
            _cell(store_cpu["server"]),
            _cell(store_cpu["client"]),
        ]
    )
    found = {
        "server_tables": {p["part"]: round(p["server"], 3) for p in server},
        "server_all_tables": round(server_sum, 3),
        "server_primary_keys_only": round(floor, 3),
        "client_steps": {k: round(v, 3) for k, v in client.items()},
        "client_copy": round(copy_client, 3),
    }
    return rows, found
