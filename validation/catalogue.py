"""The check catalogue: every check's Kahn category, severity and tolerated failure rate."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

__all__ = ["CATEGORIES", "Catalogue", "CheckSpec", "load_catalogue"]

Severity = Literal["fatal", "warning"]

#: The Kahn harmonised data-quality categories a check may belong to.
CATEGORIES = (
    "conformance.value",
    "conformance.relational",
    "conformance.computational",
    "completeness",
    "plausibility.uniqueness",
    "plausibility.atemporal",
    "plausibility.temporal",
)


@dataclass(frozen=True)
class CheckSpec:
    """A catalogued check: what it belongs to, how bad a failure is, what rate is tolerated."""

    check_id: str
    category: str
    severity: Severity
    tolerance: float
    note: str


@dataclass(frozen=True)
class Catalogue:
    """All catalogued checks by id, with the version of the file."""

    version: str
    checks: dict[str, CheckSpec]

    def spec(self, check_id: str) -> CheckSpec:
        """The spec of a check id; a raw id ``kind.field.rule`` takes rule ``raw.<rule>``."""
        if check_id in self.checks:
            return self.checks[check_id]
        rule = f"raw.{check_id.rsplit('.', 1)[-1]}"
        try:
            return self.checks[rule]
        except KeyError:
            raise KeyError(f"check {check_id!r} is not in the catalogue") from None


def _parse(text: str) -> Catalogue:
    data = tomllib.loads(text)
    checks: dict[str, CheckSpec] = {}
    for check_id, entry in data["checks"].items():
        if entry["category"] not in CATEGORIES:
            raise ValueError(f"check {check_id}: unknown category {entry['category']!r}")
        if entry["severity"] not in ("fatal", "warning"):
            raise ValueError(f"check {check_id}: severity must be fatal or warning")
        tolerance = float(entry["tolerance"])
        if not 0.0 <= tolerance <= 1.0:
            raise ValueError(f"check {check_id}: tolerance must be a rate between 0 and 1")
        checks[check_id] = CheckSpec(
            check_id, entry["category"], entry["severity"], tolerance, entry["note"].strip()
        )
    return Catalogue(str(data["version"]), checks)


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped in ``validation/checks.toml``."""
    text = resources.files("validation").joinpath("checks.toml").read_text(encoding="utf-8")
    return _parse(text)
