"""Settings of a simulation: identity noise, data-quality defects, behaviour of the district."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path

__all__ = [
    "DEFAULT_AGENCY_TOKEN",
    "DefectConfig",
    "NoiseConfig",
    "SimulationSummary",
    "StandardIntervals",
]

#: Bearer token the simulated agency accepts unless told otherwise (demo only).
DEFAULT_AGENCY_TOKEN = "agency-demo-token"


@dataclass(frozen=True)
class NoiseConfig:
    """Rates of identity noise, per source patient record (0 disables a kind)."""

    name_typo: float = 0.03  # a homophone or similar-looking character in one system
    pinyin_name: float = 0.35  # the agency writes the name in pinyin (tones/spacing vary)
    resident_id_missing: float = 0.05
    resident_id_mistyped: float = 0.02  # one digit changed (check digit then usually fails)
    birth_date_digit: float = 0.02  # one digit of the birth date off
    phone_changed: float = 0.10  # a different phone number than the other systems

    @classmethod
    def clean(cls) -> NoiseConfig:
        """No noise at all: every system spells every person the same way."""
        return cls(**{f.name: 0.0 for f in fields(cls)})


@dataclass(frozen=True)
class DefectConfig:
    """Rates of injected data-quality defects, per record (or per file for file defects)."""

    missing_required: float = 0.005
    out_of_range: float = 0.005
    impossible_date: float = 0.005
    unknown_code: float = 0.005
    duplicate_row: float = 0.005
    encoding_damage: float = 0.005
    truncated_file: float = 0.01  # per file (station CSV, HL7 batch)
    malformed_segment: float = 0.005  # per HL7 message
    # Cross-source defects (simulators/crosssource.py), per record of the kind they damage.
    follow_up_during_stay: float = 0.002  # follow-up rows
    discharge_before_admission: float = 0.002  # admission rows
    high_risk_without_action: float = 0.002  # follow-up rows
    scale_total_mismatch: float = 0.002  # ward assessment rows
    visits_after_death: float = 0.002  # follow-up rows

    @classmethod
    def clean(cls) -> DefectConfig:
        """No defects at all."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    def scaled(self, factor: float) -> DefectConfig:
        """Every rate multiplied by factor (tests use a large factor on a small cohort)."""
        return replace(self, **{f.name: getattr(self, f.name) * factor for f in fields(self)})


@dataclass(frozen=True)
class StandardIntervals:
    """Longest allowed gap in days after a follow-up, by its class (DOMAIN.md, configurable)."""

    unstable: int = 14
    basically_stable_first: int = 14  # the 2-week visit after a basically-stable finding
    basically_stable_repeat: int = 31  # then 1 month while still basically stable
    stable: int = 92  # 3 months
    after_discharge: int = 14
    min_per_year: int = 4
    readmission_days: int = 30


@dataclass(frozen=True)
class SimulationSummary:
    """What a simulation wrote: where, how much, and how long it took."""

    out: Path
    seed: int
    patients: int
    start: date
    end: date
    records: dict[str, int] = field(default_factory=dict)  # record kind -> emitted count
    defects: dict[str, int] = field(default_factory=dict)  # defect kind -> count
    files: int = 0
    bytes_written: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
