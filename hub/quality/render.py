"""The quality report as an HTML page (server-rendered Jinja2)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from hub.quality.service import QualityRun

__all__ = ["render_report"]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("hub.quality", "templates"),
        autoescape=select_autoescape(["html"]),
    )


def render_report(run: QualityRun | None, runs: list[QualityRun]) -> str:
    """The page for one run (its failing checks first, each with sample records) and the runs."""
    failing = [r for r in run.results if r.status in ("failed", "error")] if run else []
    return _environment().get_template("report.html").render(run=run, runs=runs, failing=failing)
