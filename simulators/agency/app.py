"""The social-work agency's case-management API (FastAPI), served from its data file."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import random
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from simulators.agency.faults import FAULT_HEADER, Faults, parse_faults
from simulators.agency.store import COLLECTION_KEYS, table_name
from simulators.config import DEFAULT_AGENCY_TOKEN

__all__ = ["create_app"]

_CST = timezone(timedelta(hours=8))


class _Data:
    """The documents, read from the data file; copied into memory when they may change."""

    def __init__(self, path: Path, writable: bool) -> None:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        if writable:  # mutations must never touch the simulation's files
            self.db = sqlite3.connect(":memory:", check_same_thread=False)
            source.backup(self.db)
            source.close()
        else:
            self.db = source
        self.lock = threading.Lock()

    def page(
        self,
        table: str,
        since: str,
        after: tuple[str, str] | None,
        limit: int,
    ) -> list[tuple[str, str, str]]:
        """Up to limit rows (updated_at, id, doc) after the cursor, in keyset order."""
        sql = f"SELECT updated_at, id, doc FROM {table} WHERE updated_at >= ?"
        args: list[Any] = [since]
        if after is not None:
            sql += " AND (updated_at > ? OR (updated_at = ? AND id > ?))"
            args += [after[0], after[0], after[1]]
        sql += " ORDER BY updated_at, id LIMIT ?"
        with self.lock:
            return self.db.execute(sql, [*args, limit]).fetchall()

    def touch_one(self, table: str, pick: random.Random) -> None:
        """Update one document now: it moves to the end of the keyset order."""
        with self.lock:
            count, latest = self.db.execute(
                f"SELECT count(*), max(updated_at) FROM {table}"
            ).fetchone()
            if not count:
                return
            key, doc = self.db.execute(
                f"SELECT id, doc FROM {table} ORDER BY updated_at, id LIMIT 1 OFFSET ?",
                [pick.randrange(count)],
            ).fetchone()
            stamp = (datetime.fromisoformat(latest) + timedelta(seconds=1)).isoformat()
            body = orjson.loads(doc)
            body["updated_at"] = stamp
            self.db.execute(
                f"UPDATE {table} SET updated_at = ?, doc = ? WHERE id = ?",
                [stamp, orjson.dumps(body).decode(), key],
            )


def _encode_cursor(updated_at: str, key: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([updated_at, key])).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        value = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, orjson.JSONDecodeError, ValueError) as error:
        raise ValueError("bad cursor") from error
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise ValueError("bad cursor")
    return value[0], value[1]


def _since(text: str | None) -> str:
    """updated_since as the stored format (``+08:00``), so strings compare as instants."""
    if not text:
        return ""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_CST)
    return moment.astimezone(_CST).isoformat()


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def create_app(
    data_path: Path | str,
    token: str = DEFAULT_AGENCY_TOKEN,
    faults: str = "",
) -> FastAPI:
    """The agency API over a data file written by the simulator."""
    plan: Faults = parse_faults(faults)
    data = _Data(Path(data_path), writable=plan.mutate > 0)
    dice = random.Random(plan.seed)
    app = FastAPI(title="Simulated social-work agency", docs_url=None, redoc_url=None)
    expected = f"Bearer {token}".encode()

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        """Liveness, no token needed."""
        return {"status": "ok"}

    @app.get("/api/v1/{collection}")
    async def collection_page(
        request: Request,
        collection: str,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: str | None = None,
        updated_since: str | None = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Response:
        """One page of a collection in (updated_at, key) order."""
        if not hmac.compare_digest((authorization or "").encode(), expected):
            return _error(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        if collection not in COLLECTION_KEYS:
            return _error(404, f"no collection {collection!r}")
        fault = request.headers.get(FAULT_HEADER) or _roll(dice, plan)
        if fault == "429":
            return _error(429, "too many requests", {"Retry-After": str(plan.retry_after)})
        if fault == "500":
            return _error(500, "internal server error")
        if fault == "timeout":
            await asyncio.sleep(plan.delay)
        try:
            after = _decode_cursor(cursor) if cursor else None
            since = _since(updated_since)
        except ValueError as error:
            return _error(400, str(error))
        table = table_name(collection)
        if fault == "mutate" and after is not None:
            data.touch_one(table, dice)
        rows = data.page(table, since, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = _encode_cursor(rows[-1][0], rows[-1][1]) if more else None
        body = b'{"items":[' + b",".join(r[2].encode() for r in rows) + b'],"next_cursor":'
        body += orjson.dumps(nxt) + b"}"
        return Response(body, media_type="application/json")

    return app


def _roll(dice: random.Random, plan: Faults) -> str | None:
    """Throw the dice for this request's fault (at most one)."""
    if not plan.any:
        return None
    u = dice.random()
    for name, p in (
        ("timeout", plan.timeout),
        ("429", plan.too_many),
        ("500", plan.server_error),
        ("mutate", plan.mutate),
    ):
        if u < p:
            return name
        u -= p
    return None
