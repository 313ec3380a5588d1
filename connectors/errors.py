"""Errors of the connectors, grouped by what the ingest should do.

ConnectorError
├── RetryableSourceError    a fault that may pass: retry with backoff (timeout, 429, 5xx)
├── RecordError             one record cannot be read: quarantine it, go on
└── SourceUnavailable       the source cannot be used now: stop this source's run
"""

from __future__ import annotations

__all__ = ["ConnectorError", "RecordError", "RetryableSourceError", "SourceUnavailable"]


class ConnectorError(Exception):
    """Base of every connector error."""


class RetryableSourceError(ConnectorError):
    """A transient fault; ``retry_after`` (seconds) when the source said how long to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RecordError(ConnectorError):
    """One record (or file, or message) cannot be read; it goes to quarantine."""


class SourceUnavailable(ConnectorError):
    """The source is unreachable, misconfigured or refuses us: stop this source's run."""
