"""The social-work agency's case-management REST API, pulled collection by collection.

Each collection is read in passes: a pass starts at the collection's watermark
(``updated_since``, inclusive) and follows the server's page cursor to the end; when it ends
the watermark moves to the newest ``updated_at`` seen. The checkpoint keeps the pass's start,
its page cursor and the newest stamp so far, so a killed run resumes mid-pass. Records are
deduplicated by (key, ``updated_at``) within a run, so a pass that has to start again (the
server rejected its page cursor, or the data changed under the pagination) neither loses
nor doubles records; across runs a record read twice is recognised by its content hash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from connectors.base import Connector, Cursor, Page, RawRecord, RetryPolicy
from connectors.errors import RetryableSourceError, SourceUnavailable

__all__ = ["COLLECTIONS", "AgencyApiConnector"]

#: API collection -> (record kind, key field), in the order they are read (cases first).
COLLECTIONS: dict[str, tuple[str, str]] = {
    "cases": ("agency.case", "case_id"),
    "needs-assessments": ("agency.needs_assessment", "assessment_id"),
    "scales": ("agency.scale", "assessment_id"),
    "care-plans": ("agency.care_plan", "plan_id"),
    "contacts": ("agency.contact", "contact_id"),
    "interventions": ("agency.intervention", "intervention_id"),
    "supervisions": ("agency.supervision", "supervision_id"),
    "closures": ("agency.closure", "closure_id"),
}


class _PassInvalid(Exception):
    """The server no longer accepts the pass's page cursor."""


@dataclass
class _RunState:
    """What one run remembers beyond the checkpoint."""

    finished: set[str] = field(default_factory=set)
    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    bad_bodies: dict[tuple[str, str | None], int] = field(default_factory=dict)


class AgencyApiConnector(Connector):
    """Bearer-token REST client; one page of the API is one page of records."""

    kind = "agency_api"
    source_system = "agency"
    collections: Mapping[str, tuple[str, str]] = COLLECTIONS
    path = "/api/v1/{collection}"
    items_field, next_field, snapshot_field = "items", "next_cursor", "snapshot"

    def __init__(
        self,
        name: str,
        base_url: str,
        token: str,
        *,
        page_size: int = 1000,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(name, retry=retry)
        self.base_url, self.page_size = base_url.rstrip("/"), page_size
        self.client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        self._run = _RunState()

    @classmethod
    def from_config(
        cls, name: str, options: dict[str, Any], *, secret: Callable[[str], str | None]
    ) -> AgencyApiConnector:
        """``base_url``, ``token_env`` (the variable holding the token), ``page_size``."""
        base_url, token_env = options.get("base_url"), options.get("token_env")
        if not base_url:
            raise ValueError(f"source {name!r}: option 'base_url' (the agency API) is required")
        if not token_env:
            raise ValueError(f"source {name!r}: option 'token_env' is required")
        token = secret(str(token_env))
        if not token:
            raise ValueError(
                f"source {name!r}: environment variable {token_env} (the API token) is unset"
            )
        return cls(name, str(base_url), token, page_size=int(options.get("page_size", 1000)))

    def fetch_page(self, cursor: Cursor) -> Page | None:
        """The next page of the first collection whose pass has not ended in this run."""
        positions: dict[str, dict[str, Any]] = dict(cursor.get("collections", {}))
        for collection in self.collections:
            if collection in self._run.finished:
                continue
            state = dict(positions.get(collection) or {"since": None, "next": None})
            records, positions[collection] = self._read(collection, state)
            if records or collection not in self._run.finished:
                return Page(records, {"collections": positions})
        # an empty final page would look like 'no progress' to the base class: hand it over
        return (
            Page([], {"collections": positions}) if positions != cursor.get("collections") else None
        )

    def _read(
        self, collection: str, state: dict[str, Any]
    ) -> tuple[list[RawRecord], dict[str, Any]]:
        try:
            body = self._get(collection, state)
        except _PassInvalid:
            return [], _restart(state)
        if body is None:  # not JSON twice: quarantined; the watermark stays for the next run
            self._run.finished.add(collection)
            problem = self._problem(collection, state)
            return [problem], _restart(state)
        snapshot = body.get(self.snapshot_field)
        if state.get("next") and state.get("snapshot") not in (None, snapshot):
            # the data changed under the pagination: read the pass again from its start
            return [], _restart(state)
        records = self._records(collection, body, state)
        following = body.get(self.next_field)
        if following:
            return records, {**state, "next": following, "snapshot": snapshot}
        self._run.finished.add(collection)
        if not state.get("high"):
            return records, _restart(state)
        # the next pass starts at the newest stamp, skipping the keys already read at it
        return records, {"since": state["high"], "boundary": state["edge"], "next": None}

    def _records(
        self, collection: str, body: dict[str, Any], state: dict[str, Any]
    ) -> list[RawRecord]:
        """New records of a page; updates the pass's newest stamp and the keys at it."""
        kind, key_field = self.collections[collection]
        boundary = set(state.get("boundary") or ())
        records = []
        for item in body.get(self.items_field) or []:
            key = str(item.get(key_field) or "") or None
            stamp = str(item.get("updated_at") or "")
            if key is not None and stamp == state.get("since") and key in boundary:
                continue  # read by the previous pass
            if key is not None and self._run.seen.get((collection, key)) == stamp:
                continue  # already read in this run (the pagination moved under us)
            if key is not None:
                self._run.seen[(collection, key)] = stamp
                if stamp > (state.get("high") or ""):
                    state["high"], state["edge"] = stamp, [key]
                elif stamp == state.get("high"):
                    state["edge"] = [*state.get("edge", []), key]
            records.append(RawRecord(kind, key, item, origin=f"{collection} {key}"))
        return records

    def _get(self, collection: str, state: dict[str, Any]) -> dict[str, Any] | None:
        params: dict[str, str | int] = {"limit": self.page_size}
        if state.get("since"):
            params["updated_since"] = str(state["since"])
        if state.get("next"):
            params["cursor"] = str(state["next"])
        url = self.path.format(collection=collection)
        try:
            response = self.client.get(url, params=params)
        except httpx.TimeoutException as exc:
            raise RetryableSourceError(f"timeout: {collection}: {exc}") from None
        except httpx.TransportError as exc:
            raise SourceUnavailable(
                f"cannot reach the agency API at {self.base_url}: {exc}"
            ) from None
        if response.status_code in (409, 410) and state.get("next"):
            raise _PassInvalid(collection)
        _raise_for_status(response, collection)
        try:
            body = orjson.loads(response.content)
            if not isinstance(body, dict):
                raise orjson.JSONDecodeError("not a JSON object", "", 0)
        except orjson.JSONDecodeError:
            attempt = (collection, state.get("next"))
            self._run.bad_bodies[attempt] = self._run.bad_bodies.get(attempt, 0) + 1
            if self._run.bad_bodies[attempt] == 1:
                raise RetryableSourceError(f"not JSON: {collection} page") from None
            self._last_bad = response.text[:2000]
            return None
        return body

    def _problem(self, collection: str, state: dict[str, Any]) -> RawRecord:
        kind = self.collections[collection][0]
        where = f"{collection} page after {state.get('next') or 'the start'}"
        problem = (
            f"the agency API sent a body that is not JSON twice for the {where}; "
            "the rest of this collection is read at the next sync"
        )
        return RawRecord(kind, None, {"raw": getattr(self, "_last_bad", "")}, problem, where)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()


def _restart(state: dict[str, Any]) -> dict[str, Any]:
    """The pass's state when it has to start again from its watermark."""
    return {"since": state.get("since"), "boundary": state.get("boundary", []), "next": None}


def _raise_for_status(response: httpx.Response, collection: str) -> None:
    """Map an HTTP status to what the base class should do."""
    status = response.status_code
    if status < 400:
        return
    if status in (401, 403):
        raise SourceUnavailable(
            f"the agency API refused the token (HTTP {status}) for {collection}: "
            "check the token in the variable named by token_env"
        )
    if status == 429 or status >= 500 or status == 408:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        raise RetryableSourceError(f"HTTP {status}: {collection}", retry_after=retry_after)
    raise SourceUnavailable(f"the agency API answered HTTP {status} for {collection}")


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
