"""Small simulated districts shared by the simulator tests (built once per session)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from simulators import DefectConfig, NoiseConfig, SimulationSummary, simulate


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> SimulationSummary:
    """No noise, no defects: every record is exactly the truth."""
    out = tmp_path_factory.mktemp("clean")
    return simulate(150, 2, 11, out, noise=NoiseConfig.clean(), defects=DefectConfig.clean())


@pytest.fixture(scope="session")
def noisy_run(tmp_path_factory: pytest.TempPathFactory) -> SimulationSummary:
    """Default noise and defect rates scaled up, so that a small district has every kind."""
    out = tmp_path_factory.mktemp("noisy")
    # files are few here, and so are admissions and ward assessments (a hundred or two)
    defects = replace(
        DefectConfig().scaled(6),
        truncated_file=0.25,
        discharge_before_admission=0.05,
        scale_total_mismatch=0.05,
    )
    return simulate(150, 2, 12, out, defects=defects)


def out_of(run: SimulationSummary) -> Path:
    """The output directory of a run."""
    return run.out
