"""An A08 carries the visit as it stands when it is sent: after a short stay, its discharge."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulators.adt import AdtMessage, build_adt
from simulators.hospital import HospitalTables

_PATIENT = {
    "pat_id": "P1",
    "id_card_no": "",
    "pat_name": "王芳",
    "birth_dt": "1980-02-03",
    "sex_code": "F",
    "address": "XX路1号",
    "phone": "13900000000",
    "marital_code": "20",
    "nation_code": "01",
    "guardian_name": "",
    "guardian_rel": "",
    "guardian_phone": "",
}


def _admission(adm_id: str, adm_time: str, dis_time: str) -> dict[str, Any]:
    return {
        "adm_id": adm_id,
        "pat_id": "P1",
        "adm_time": adm_time,
        "dis_time": dis_time,
        "ward_code": "W02",
        "doctor_id": "D1",
        "doctor_name": "李医生",
        "dis_way": "1",
        "_person": 0,
    }


class _EveryStayUpdated:
    """The generator's draws: every stay gets an A08."""

    def random(self, size: int) -> np.ndarray:
        return np.zeros(size)

    def integers(self, low: int, high: int, size: int) -> np.ndarray:
        return np.full(size, low)


def _messages(*admissions: dict[str, Any]) -> list[AdtMessage]:
    views = {
        "v_patient": pd.DataFrame([_PATIENT]),
        "v_diagnosis": pd.DataFrame(columns=["adm_id", "icd10", "diag_name"]),
        "v_admission": pd.DataFrame(list(admissions)),
    }
    tables = HospitalTables(views, None, np.array([0]))  # type: ignore[arg-type]
    return build_adt(_EveryStayUpdated(), tables)  # type: ignore[arg-type]


def _pv1(message: AdtMessage) -> list[str]:
    segment = next(s for s in message.segments if s.startswith("PV1|"))
    return segment.split("|") + [""] * 46


def _event(message: AdtMessage) -> str:
    return next(s for s in message.segments if s.startswith("EVN|")).split("|")[1]


def test_an_update_after_a_short_stay_carries_its_discharge() -> None:
    # admitted at 08:00, discharged at 18:00 the same day; the A08 comes 20 h after admission
    messages = _messages(_admission("A1", "2025-03-01 08:00:00", "2025-03-01 18:00:00"))
    assert [_event(m) for m in messages] == ["A01", "A03", "A08"]
    update = _pv1(messages[2])
    assert update[45] == "20250301180000"
    assert update[36] == "1"


def test_an_update_during_a_stay_carries_no_discharge() -> None:
    messages = _messages(
        _admission("A1", "2025-03-01 08:00:00", "2025-03-20 10:00:00"),
        _admission("A2", "2025-04-01 08:00:00", ""),  # still in hospital
    )
    updates = [m for m in messages if _event(m) == "A08"]
    assert len(updates) == 2
    assert all(_pv1(m)[45] == "" and _pv1(m)[36] == "" for m in updates)
    discharge = next(m for m in messages if _event(m) == "A03")
    assert _pv1(discharge)[45] == "20250320100000"
