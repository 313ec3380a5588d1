"""The run report: what a sync pulled and what became of every record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["SourceReport"]


@dataclass
class SourceReport:
    """One source's run: pulled = new + changed + unchanged + quarantined, always."""

    source: str
    kind: str
    run_id: str
    status: str = "running"  # running, succeeded, failed
    pulled: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    warnings_by_check: dict[str, int] = field(default_factory=dict)
    resources_by_type: dict[str, int] = field(default_factory=dict)
    resources_stored: int = 0
    retries: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    linked: dict[str, Any] = field(default_factory=dict)
    duration_seconds: float = 0.0
    #: Seconds per stage: in this process (pull, prepare, land, store, outcomes, wait) and,
    #: summed over the worker processes when there are any, parse, raw_checks, map, fhir_checks
    #: and worker_cpu (their CPU time).
    stage_seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def stored(self) -> int:
        """Records whose resources were stored (new or changed)."""
        return self.new + self.changed

    @property
    def reconciles(self) -> bool:
        """True when every pulled record is accounted for."""
        return self.pulled == self.stored + self.unchanged + self.quarantined

    def count_quarantine(self, reason: str) -> None:
        """One more record quarantined for this reason."""
        self.quarantined += 1
        self.quarantined_by_reason[reason] = self.quarantined_by_reason.get(reason, 0) + 1

    def count_resources(self, by_type: dict[str, int]) -> None:
        """Add stored resource counts."""
        for key, value in by_type.items():
            self.resources_by_type[key] = self.resources_by_type.get(key, 0) + value
            self.resources_stored += value

    def add_seconds(self, stage: str, seconds: float) -> None:
        """Add time spent in a stage."""
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the derived figures."""
        data = asdict(self)
        data["stored"] = self.stored
        data["reconciles"] = self.reconciles
        return data
