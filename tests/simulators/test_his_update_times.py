"""The HIS admission view's updated_at: never before the admission or discharge it records."""

from __future__ import annotations

from simulators import SimulationSummary
from tests.simulators import readers


def test_an_admission_row_is_updated_no_earlier_than_what_it_records(
    clean_run: SimulationSummary,
) -> None:
    # the hub takes updated_at as the row's source time: a row stamped before the discharge
    # it reports would count as older than the A03 that reports the same discharge
    admissions = readers.read_his(clean_run.out, "v_admission")
    discharged = admissions[admissions["dis_time"].fillna("") != ""]
    assert len(discharged) > 10
    assert (discharged["updated_at"] >= discharged["dis_time"]).all()
    assert (admissions["updated_at"] >= admissions["adm_time"]).all()
