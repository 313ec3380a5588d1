"""A quality run as a FHIR OperationOutcome: one issue per check that did not pass."""

from __future__ import annotations

from typing import Any

from hub.quality.service import QualityRun

__all__ = ["run_outcome"]

_SEVERITY = {"fatal": "error", "warning": "warning"}


def _issue(result: Any) -> dict[str, Any]:
    if result.status == "error":
        text = f"{result.check} over {result.source}: the check could not run"
        return {"severity": "error", "code": "exception", "diagnostics": text}
    rate = f"{result.rate:.2%}" if result.rate is not None else "n/a"
    text = (
        f"{result.check} over {result.source}: {result.failed} of {result.checked} rows failed "
        f"({rate}, tolerated {result.threshold:.2%})"
    )
    if result.examples:
        text += f"; e.g. records {', '.join(result.examples)}"
    return {
        "severity": _SEVERITY.get(result.severity, "warning"),
        "code": "business-rule" if result.category.startswith("plausibility") else "invalid",
        "details": {"text": f"{result.category}: {result.status}"},
        "diagnostics": text,
    }


def run_outcome(run: QualityRun) -> dict[str, Any]:
    """The OperationOutcome of a run (an informational issue when every check passed)."""
    issues = [_issue(r) for r in run.results if r.status in ("failed", "error")]
    if not issues:
        issues = [
            {
                "severity": "information",
                "code": "informational",
                "diagnostics": f"quality run {run.run_id}: no check failed",
            }
        ]
    return {"resourceType": "OperationOutcome", "id": run.run_id, "issue": issues}
