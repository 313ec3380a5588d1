"""The connector base class: connectors declare what differs, this does the work once.

A concrete connector yields *pages* of raw records from a cursor. The base class drives it:
it retries transient faults with exponential backoff and jitter (honouring Retry-After),
hands every page to the landing port *before anything else happens*, and checkpoints the
cursor after each page through the same port, so a run that is killed resumes where the
last committed page ended. The landing port is implemented by ``hub.ingest`` (connectors
never import the store).
"""

from __future__ import annotations

import hashlib
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Protocol, TypeVar

import orjson

from connectors.errors import RecordError, RetryableSourceError, SourceUnavailable

__all__ = [
    "Connector",
    "Cursor",
    "LandingPort",
    "Page",
    "PipelinedLandingPort",
    "RawRecord",
    "RetryPolicy",
    "RunStats",
    "payload_hash",
]

Cursor = dict[str, Any]
T = TypeVar("T")


def payload_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a payload's content (key order ignored): how 'unchanged' is recognised."""
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class RawRecord:
    """One record as pulled: field names in the hub's words, values as the source gave them.

    ``problem`` is set when the unit could not be read at all (a truncated file, a
    malformed HL7 message, JSON that is not JSON): it is landed as it came and quarantined.
    """

    record_kind: str  # a key of hub.domain.records.RECORD_KINDS
    source_key: str | None
    payload: dict[str, Any]
    problem: str | None = None
    origin: str | None = None  # file name, message file, API page: where a person finds it

    @cached_property
    def content_hash(self) -> str:
        """Hash of the payload (computed once: unchanged detection, landing and state use it)."""
        return payload_hash(self.payload)


@dataclass(frozen=True)
class Page:
    """A page of records and the cursor to resume from once the page is safely landed."""

    records: list[RawRecord]
    cursor: Cursor


@dataclass
class RunStats:
    """What the connector itself saw during a run."""

    pages: int = 0
    records: int = 0
    retries: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)
    #: Seconds spent pulling pages from the source (retry waits included).
    pull_seconds: float = 0.0


class LandingPort(Protocol):
    """What the ingest offers a connector: land a page and checkpoint it, atomically."""

    def land_page(self, page: Page) -> None:
        """Land the page's records and save its cursor, in one transaction."""


class PipelinedLandingPort(Protocol):
    """A landing port that may commit a page after later ones were pulled (always in order)."""

    def submit(self, page: Page) -> list[Page]:
        """Take a page; return the pages committed meanwhile, oldest first."""

    def finish(self) -> list[Page]:
        """Commit every page taken; return them, oldest first."""

    def abandon(self) -> None:
        """Drop the pages taken and not committed (they are pulled again next time)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; Retry-After wins when the source sends it."""

    attempts: int = 6
    base_seconds: float = 0.2
    max_seconds: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before the given retry (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_seconds)
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)

    def call(self, what: Callable[[], T], stats: RunStats) -> T:
        """Call, retrying RetryableSourceError; SourceUnavailable once attempts run out."""
        for attempt in range(1, self.attempts + 1):
            try:
                return what()
            except RetryableSourceError as exc:
                if attempt == self.attempts:
                    raise SourceUnavailable(
                        f"gave up after {self.attempts} attempts: {exc}"
                    ) from None
                stats.retries += 1
                reason = str(exc).split(":", 1)[0]
                stats.retry_reasons[reason] = stats.retry_reasons.get(reason, 0) + 1
                self.sleep(self.delay(attempt, exc.retry_after))
        raise AssertionError("unreachable")  # pragma: no cover


class Connector(ABC):
    """A source connector. Subclasses declare; ``run`` does paging, retries, landing."""

    #: Connector kind as written in sources.toml (``kind = "station_files"``).
    kind: ClassVar[str]
    #: The source system the records come from (hub.domain.codes.SourceSystem value).
    source_system: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_config(
        cls, name: str, options: dict[str, Any], *, secret: Callable[[str], str | None]
    ) -> Connector:
        """Build from a sources.toml entry; ``secret(env_name)`` reads a secret.

        Raise ValueError naming the option when the configuration is unusable.
        """

    def __init__(self, name: str, *, retry: RetryPolicy | None = None) -> None:
        self.name = name
        self.retry = retry or RetryPolicy()
        self.stats = RunStats()

    @abstractmethod
    def fetch_page(self, cursor: Cursor) -> Page | None:
        """The next page after ``cursor``, or None when the source has nothing more.

        Raise RetryableSourceError for transient faults (the base class retries the same
        cursor), SourceUnavailable to stop. A record that cannot be read is returned as a
        RawRecord with ``problem`` set, never raised.
        """

    def close(self) -> None:  # noqa: B027 - an optional hook, not abstract
        """Release files, connections or clients (default: nothing)."""

    def after_landed(self, page: Page) -> None:  # noqa: B027 - an optional hook
        """Called once the page and its cursor are committed (e.g. to acknowledge it)."""

    def pages(self, cursor: Cursor | None) -> Iterator[Page]:
        """Every page after the cursor, each fetched with retries."""
        current: Cursor = dict(cursor or {})
        while True:
            started = time.perf_counter()
            page = self.retry.call(lambda c=current: self.fetch_page(c), self.stats)  # type: ignore[misc]
            self.stats.pull_seconds += time.perf_counter() - started
            if page is None:
                return
            self.stats.pages += 1
            self.stats.records += len(page.records)
            yield page
            if page.cursor == current and not page.records:
                return
            current = page.cursor

    def run(self, landing: LandingPort, cursor: Cursor | None) -> RunStats:
        """Pull everything after the cursor; land and checkpoint each page before the next."""
        try:
            for page in self.pages(cursor):
                landing.land_page(page)
                self.after_landed(page)
        finally:
            self.close()
        return self.stats

    def run_pipelined(self, landing: PipelinedLandingPort, cursor: Cursor | None) -> RunStats:
        """Like ``run``, pulling the next pages while earlier ones are still processed.

        A page is acknowledged (``after_landed``) once committed. When the source fails, the
        pages pulled before the failure are still committed; when the landing fails, the
        pages it has not committed are dropped, to be pulled again by the next run.
        """
        try:
            pages = self.pages(cursor)
            while True:
                try:
                    page = next(pages)
                except StopIteration:
                    break
                except Exception:
                    self._acknowledge(landing.finish())
                    raise
                self._acknowledge(self._landed(landing, page))
            self._acknowledge(landing.finish())
        finally:
            self.close()
        return self.stats

    @staticmethod
    def _landed(landing: PipelinedLandingPort, page: Page) -> list[Page]:
        try:
            return landing.submit(page)
        except BaseException:
            landing.abandon()
            raise

    def _acknowledge(self, pages: list[Page]) -> None:
        for page in pages:
            self.after_landed(page)


def unreadable(record_kind: str, problem: str, *, origin: str, raw: str) -> RawRecord:
    """A unit that could not be read: landed as it came, with the problem, for quarantine."""
    return RawRecord(record_kind, None, {"raw": raw}, problem=problem, origin=origin)


__all__ += ["RecordError", "unreadable"]
