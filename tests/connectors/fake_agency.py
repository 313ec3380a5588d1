"""An in-process agency API over the simulator's ``agency.sqlite``, with injectable faults.

Served through httpx ``MockTransport`` (the connector's I/O seam). Pages are keyset pages in
``(updated_at, id)`` order; the page cursor is that pair. Faults are a queue consumed one
request at a time, so a test states exactly what the connector meets.
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from connectors.social_work.api import AgencyApiConnector

TOKEN = "test-token"


@dataclass
class FakeAgency:
    """The agency's documents by collection, served as the real API pages them."""

    docs: dict[str, list[dict[str, Any]]]
    faults: list[str] = field(default_factory=list)
    requests: int = 0
    #: collection -> documents to change after the first page of that collection is served
    change_after_first_page: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @classmethod
    def from_store(cls, path: Path) -> FakeAgency:
        """Load the simulator's data file."""
        docs: dict[str, list[dict[str, Any]]] = {}
        with closing(sqlite3.connect(path)) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                rows = db.execute(f"SELECT id, updated_at, doc FROM {table}").fetchall()
                docs[table.replace("_", "-")] = [orjson.loads(r[2]) for r in rows]
        return cls(docs)

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (or fail it as the next queued fault says)."""
        self.requests += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"error": "bad token"})
        if self.faults:
            fault = self.faults.pop(0)
            if fault == "timeout":
                raise httpx.ReadTimeout("simulated timeout", request=request)
            if fault == "429":
                return httpx.Response(429, headers={"Retry-After": "0"}, text="slow down")
            if fault == "500":
                return httpx.Response(500, text="internal error")
            if fault == "garbage":
                return httpx.Response(200, text="<html>gateway error</html>")
        return self._page(request)

    def _page(self, request: httpx.Request) -> httpx.Response:
        collection = request.url.path.rsplit("/", 1)[-1]
        docs = self.docs.get(collection)
        if docs is None:
            return httpx.Response(404, json={"error": "no such collection"})
        params = request.url.params
        limit = int(params.get("limit", "100"))
        since = params.get("updated_since")
        after = _decode(params.get("cursor"))
        key = _KEYS[collection]

        def order(doc: dict[str, Any]) -> tuple[str, str]:
            return str(doc["updated_at"]), str(doc[key])

        ordered = sorted(docs, key=order)
        chosen = [
            d
            for d in ordered
            if (since is None or str(d["updated_at"]) >= since)
            and (after is None or order(d) > after)
        ][:limit]
        more = len(chosen) == limit and order(chosen[-1]) < order(ordered[-1])
        if after is None and collection in self.change_after_first_page:
            for changed in self.change_after_first_page.pop(collection):
                self._replace(collection, changed)
        body = {"items": chosen, "next_cursor": _encode(order(chosen[-1])) if more else None}
        return httpx.Response(200, content=orjson.dumps(body))

    def _replace(self, collection: str, changed: dict[str, Any]) -> None:
        key = _KEYS[collection]
        docs = self.docs[collection]
        docs[:] = [d for d in docs if d[key] != changed[key]] + [changed]

    def connector(self, name: str = "agency", page_size: int = 7) -> AgencyApiConnector:
        """A connector talking to this fake, never sleeping between retries."""
        from connectors.base import RetryPolicy

        return AgencyApiConnector(
            name,
            "http://agency.test",
            TOKEN,
            page_size=page_size,
            transport=httpx.MockTransport(self.handler),
            retry=RetryPolicy(sleep=lambda _s: None),
        )

    def all_keys(self) -> Iterator[tuple[str, str]]:
        """(collection, key) of every document."""
        for collection, docs in self.docs.items():
            for d in docs:
                yield collection, str(d[_KEYS[collection]])


_KEYS = {
    "cases": "case_id",
    "needs-assessments": "assessment_id",
    "scales": "assessment_id",
    "care-plans": "plan_id",
    "contacts": "contact_id",
    "interventions": "intervention_id",
    "supervisions": "supervision_id",
    "closures": "closure_id",
}


def _encode(position: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(position))).decode()


def _decode(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    stamp, key = orjson.loads(base64.urlsafe_b64decode(cursor))
    return str(stamp), str(key)
