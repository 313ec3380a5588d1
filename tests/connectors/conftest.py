"""A small simulated district shared by the connector tests, and a factory per connector."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine

from connectors.base import Connector, RetryPolicy
from connectors.hospital import AdtFileConnector, HospitalDatabaseConnector
from connectors.rehab_station import StationFilesConnector
from tests.connectors.fake_agency import FakeAgency

NO_WAIT = RetryPolicy(sleep=lambda _s: None)


@dataclass
class District:
    """A simulated district written once per session, and its ground truth."""

    root: Path
    records: dict[str, int]
    defects: pd.DataFrame

    def fatal_keys(self, system: str) -> set[tuple[str, str]]:
        """(record kind, key) of every record the simulator damaged beyond use."""
        d = self.defects
        d = d[(d["source_system"] == system) & (d["severity"] == "fatal")]
        return set(zip(d["record_kind"], d["source_key"].astype(str), strict=True))

    def expected(self, kinds: tuple[str, ...]) -> int:
        """How many records the simulator wrote of these kinds."""
        return sum(self.records.get(kind, 0) for kind in kinds)


def simulate_district(root: Path, patients: int = 40) -> District:
    """Run the simulator into ``root``."""
    from simulators.simulate import simulate

    summary = simulate(patients, 1, 11, root)
    defects = pd.read_parquet(root / "truth" / "defects.parquet")
    return District(root, dict(summary.records), defects)


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    """A 40-patient, one-year district (read-only: copy before changing files)."""
    return simulate_district(tmp_path_factory.mktemp("district"))


@dataclass
class Subject:
    """One connector under the shared suite: how to build it and which system it reads."""

    system: str
    kinds: tuple[str, ...]
    build: Callable[[], Connector]
    damage: Callable[[], None] | None  # make one unit unreadable in the source


def _subjects(district: District, work: Path) -> dict[str, Subject]:
    adt_dir, station_dir = work / "adt", work / "exports"
    shutil.copytree(district.root / "hospital" / "adt", adt_dir)
    shutil.copytree(district.root / "station" / "exports", station_dir)
    his = create_engine(f"sqlite:///{district.root / 'hospital' / 'his.sqlite'}")
    agency = FakeAgency.from_store(district.root / "agency" / "agency.sqlite")

    def break_adt() -> None:
        (adt_dir / "ADT_29990101.hl7").write_bytes(
            b"MSH|^~\\&|HIS|XHMHC|CAREHUB|310104|29990101000000||ADT^A01|BAD1|P|2.5\r"
            b"EVN|A01|29990101000000\r%%garbage segment\r"
        )

    def break_station() -> None:
        (station_dir / "随访记录_299901.csv").write_bytes(b"\xff\xfe\x00garbage\xff\x80\x81" * 20)

    def break_agency() -> None:
        agency.faults.extend(["garbage", "garbage"])

    return {
        "hospital_db": Subject(
            "hospital",
            tuple(k for k in district.records if k.startswith("hospital.") and k != "hospital.adt"),
            lambda: HospitalDatabaseConnector("his", his, page_size=5),
            None,
        ),
        "hospital_adt": Subject(
            "hospital",
            ("hospital.adt",),
            lambda: AdtFileConnector("adt", adt_dir, messages_per_page=3, retry=NO_WAIT),
            break_adt,
        ),
        "station_files": Subject(
            "station",
            tuple(k for k in district.records if k.startswith("station.")),
            lambda: StationFilesConnector("station", station_dir, rows_per_page=50, retry=NO_WAIT),
            break_station,
        ),
        "agency_api": Subject(
            "agency",
            tuple(k for k in district.records if k.startswith("agency.")),
            lambda: agency.connector(),
            break_agency,
        ),
    }


@pytest.fixture(params=["hospital_db", "hospital_adt", "station_files", "agency_api"])
def subject(request: pytest.FixtureRequest, district: District, tmp_path: Path) -> Subject:
    """Each connector over a fresh copy of the district's sources."""
    subjects: dict[str, Any] = _subjects(district, tmp_path)
    chosen: Subject = subjects[request.param]
    return chosen
