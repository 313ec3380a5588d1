"""The simulated district: three source systems as they look in the wild, with ground truth.

Knows nothing of the hub (import-linter enforces it). Entry point: :func:`simulate`.
"""

from simulators.config import (
    DEFAULT_AGENCY_TOKEN,
    DefectConfig,
    NoiseConfig,
    SimulationSummary,
    StandardIntervals,
)
from simulators.simulate import DEFAULT_START, simulate

__all__ = [
    "DEFAULT_AGENCY_TOKEN",
    "DEFAULT_START",
    "DefectConfig",
    "NoiseConfig",
    "SimulationSummary",
    "StandardIntervals",
    "simulate",
]
