"""What checks produce: findings on records and tallies per check, and the run report rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from validation.catalogue import Catalogue

__all__ = ["CheckResult", "CheckTally", "Issue", "Status", "summarise"]

Status = Literal["passed", "failed", "not_applicable", "error"]
#: How many failing records a report names per check.
EXAMPLES = 5


@dataclass(frozen=True)
class Issue:
    """One check's verdict on one record (the ingest turns it into a seam ``Finding``)."""

    check: str
    severity: Literal["fatal", "warning"]
    message: str  # never a resident ID, a phone number or a name
    field: str | None = None


@dataclass
class CheckTally:
    """Rows checked and failed by one check over one source, with sample failing keys."""

    source: str
    check: str
    checked: int = 0
    failed: int = 0
    errors: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, checked: int, failed_keys: list[str], *, errored: bool = False) -> None:
        """Count one batch; remember the first few failing record keys."""
        self.checked += checked
        self.failed += len(failed_keys)
        self.errors += int(errored)
        room = EXAMPLES - len(self.examples)
        if room > 0:
            self.examples.extend(k for k in failed_keys[:room] if k not in self.examples)

    def merge(self, other: CheckTally) -> None:
        """Add another batch's tally of the same check."""
        self.checked += other.checked
        self.failed += other.failed
        self.errors += other.errors
        room = EXAMPLES - len(self.examples)
        self.examples.extend(k for k in other.examples[:room] if k not in self.examples)


@dataclass(frozen=True)
class CheckResult:
    """One row of a quality report: a check over a source with its rate and status."""

    source: str
    check: str
    category: str
    severity: str
    checked: int
    failed: int
    rate: float | None
    threshold: float
    status: Status
    examples: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "source": self.source,
            "check": self.check,
            "category": self.category,
            "severity": self.severity,
            "checked": self.checked,
            "failed": self.failed,
            "rate": self.rate,
            "threshold": self.threshold,
            "status": self.status,
            "examples": list(self.examples),
        }


def _status(tally: CheckTally, threshold: float) -> Status:
    if tally.errors:
        return "error"
    if tally.checked == 0:
        return "not_applicable"  # an empty table is never a pass
    return "failed" if tally.failed / tally.checked > threshold else "passed"


def summarise(tallies: list[CheckTally], catalogue: Catalogue) -> list[CheckResult]:
    """Report rows for tallies, sorted by source and check."""
    rows = []
    for t in sorted(tallies, key=lambda t: (t.source, t.check)):
        spec = catalogue.spec(t.check)
        rows.append(
            CheckResult(
                source=t.source,
                check=t.check,
                category=spec.category,
                severity=spec.severity,
                checked=t.checked,
                failed=t.failed,
                rate=(t.failed / t.checked) if t.checked else None,
                threshold=spec.tolerance,
                status=_status(t, spec.tolerance),
                examples=tuple(t.examples),
            )
        )
    return rows
