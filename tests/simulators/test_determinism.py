"""Same seed, same bytes; another seed, other bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from simulators import DefectConfig, simulate


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "sources.toml"  # holds the absolute output path
    }


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    simulate(60, 1, 5, tmp_path / "a")
    simulate(60, 1, 5, tmp_path / "b")
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert len(first) > 20
    assert first == second


def test_other_seed_gives_other_files(tmp_path: Path) -> None:
    simulate(60, 1, 5, tmp_path / "a")
    simulate(60, 1, 6, tmp_path / "b")
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert first["hospital/his.sqlite"] != second["hospital/his.sqlite"]
    assert first["truth/record_persons.parquet"] != second["truth/record_persons.parquet"]


def test_sources_toml_points_at_the_written_systems(tmp_path: Path) -> None:
    import tomllib

    summary = simulate(20, 1, 1, tmp_path / "s")
    config = tomllib.loads((summary.out / "sources.toml").read_text(encoding="utf-8"))
    assert config["district"]["code"] == "310104"
    sources = config["sources"]
    assert Path(sources["hospital_db"]["url"].removeprefix("sqlite:///")).is_file()
    assert Path(sources["hospital_adt"]["directory"]).is_dir()
    assert Path(sources["station"]["directory"]).is_dir()
    assert sources["agency"]["base_url"] == ""
    assert sources["agency"]["token_env"] == "HUB_SOURCE_AGENCY_TOKEN"
    assert Path(sources["agency"]["simulator"]["data"]).is_file()
    assert {s["kind"] for s in sources.values()} == {
        "hospital_db",
        "hospital_adt",
        "station_files",
        "agency_api",
    }


def test_parallel_and_sequential_runs_write_the_same_bytes(tmp_path: Path) -> None:
    simulate(60, 1, 9, tmp_path / "a", parallel=True)
    simulate(60, 1, 9, tmp_path / "b", parallel=False)
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")


@pytest.mark.parametrize(("patients", "seed"), [(1, 1), (3, 2), (10, 3)])
def test_tiny_districts_still_write_every_system(
    tmp_path: Path,
    patients: int,
    seed: int,
) -> None:
    summary = simulate(patients, 1, seed, tmp_path / "t", defects=DefectConfig().scaled(20))
    assert (summary.out / "hospital" / "his.sqlite").is_file()
    assert (summary.out / "agency" / "agency.sqlite").is_file()
    assert summary.records["station.registration"] >= patients
