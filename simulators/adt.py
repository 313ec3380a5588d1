"""HL7 v2.5 ADT messages (A01 admit, A03 discharge, A08 update) in daily batch files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from simulators.hospital import HospitalTables

__all__ = ["AdtMessage", "batch_file", "build_adt", "segment"]

_SENDER = ("HIS", "XHMHC", "CAREHUB", "310104")
_RELATION_CODE = {
    "配偶": "SPO",
    "子女": "CHD",
    "父亲": "FTH",
    "母亲": "MTH",
    "兄弟姐妹": "SIB",
    "其他": "OTH",
}


@dataclass(frozen=True)
class AdtMessage:
    """One message: its control id, event time (``YYYYMMDDHHMMSS``), segments, person."""

    control_id: str
    event_time: str
    segments: tuple[str, ...]
    person: int


def segment(name: str, fields: dict[int, str]) -> str:
    """A segment with the given fields (1-based, as HL7 numbers them) and empty ones between."""
    width = max((i for i, v in fields.items() if v), default=0)
    return "|".join([name, *(fields.get(i, "") for i in range(1, width + 1))])


def _hl7_time(text: str) -> str:
    """``YYYY-MM-DD HH:MM:SS`` -> ``YYYYMMDDHHMMSS``."""
    return text.replace("-", "").replace(":", "").replace(" ", "")


def _pid(pat: dict[str, str]) -> str:
    ids = f"{pat['pat_id']}^^^HIS^PI"
    if pat["id_card_no"]:
        ids += f"~{pat['id_card_no']}^^^CHN^NNCHN"
    return segment(
        "PID",
        {
            1: "1",
            3: ids,
            5: pat["pat_name"],
            7: pat["birth_dt"].replace("-", ""),
            8: pat["sex_code"],
            11: f"{pat['address']}^^^^^^H",
            13: pat["phone"],
            16: pat["marital_code"],
            22: pat["nation_code"],
        },
    )


def _message(
    event: str,
    control: str,
    when: str,
    pat: dict[str, str],
    adm: dict[str, str],
    dg1: Sequence[str],
    person: int,
    discharged: bool,
) -> AdtMessage:
    """One message; ``discharged``: the visit has ended by its time (PV1-36, PV1-45 filled)."""
    structure = "ADT_A03" if event == "A03" else "ADT_A01"
    msh = (
        "MSH|^~\\&|" + "|".join(_SENDER) + f"|{when}||ADT^{event}^{structure}|{control}|P|2.5"
        "|||||CHN|UNICODE UTF-8"
    )
    segments = [msh, segment("EVN", {1: event, 2: when}), _pid(pat)]
    if pat["guardian_name"]:
        rel = pat["guardian_rel"]
        segments.append(
            segment(
                "NK1",
                {
                    1: "1",
                    2: pat["guardian_name"],
                    3: f"{_RELATION_CODE.get(rel, 'OTH')}^{rel}^HL70063",
                    5: pat["guardian_phone"],
                },
            )
        )
    segments.append(
        segment(
            "PV1",
            {
                1: "1",
                2: "I",
                3: f"{adm['ward_code']}^^^XHMHC",
                7: f"{adm['doctor_id']}^{adm['doctor_name']}",
                19: adm["adm_id"],
                36: adm["dis_way"] if discharged else "",
                44: _hl7_time(adm["adm_time"]),
                45: _hl7_time(adm["dis_time"]) if discharged else "",
            },
        )
    )
    kind = "F" if discharged else "A"
    segments.extend(
        segment("DG1", {1: str(i), 3: code, 5: _hl7_time(adm["adm_time"]), 6: kind})
        for i, code in enumerate(dg1, 1)
    )
    return AdtMessage(control, when, tuple(segments), person)


def build_adt(rng: np.random.Generator, tables: HospitalTables) -> list[AdtMessage]:
    """A01 for every stay, A03 for every discharge, A08 (phone update) for about 1 in 10."""
    patients = {r["pat_id"]: r for r in tables.views["v_patient"].to_dict("records")}
    diag = tables.views["v_diagnosis"]
    dg1 = {
        a: (f"{c}^{n}^I10",)
        for a, c, n in zip(diag["adm_id"], diag["icd10"], diag["diag_name"], strict=True)
        if a
    }
    # (time, event, patient, admission, person, discharged by then)
    pending: list[tuple[str, str, dict[str, str], dict[str, str], int, bool]] = []
    admissions = tables.views["v_admission"].to_dict("records")
    update = rng.random(len(admissions)) < 0.1
    new_phone = rng.integers(10_000_000, 99_999_999, len(admissions))
    for adm, upd, phone in zip(admissions, update.tolist(), new_phone.tolist(), strict=True):
        pat = patients[adm["pat_id"]]
        when = _hl7_time(adm["adm_time"])
        discharge = _hl7_time(adm["dis_time"]) if adm["dis_time"] else None
        pending.append((when, "A01", pat, adm, adm["_person"], False))
        if upd:
            changed = {**pat, "phone": f"139{phone}"}
            later = datetime.strptime(when, "%Y%m%d%H%M%S") + timedelta(hours=20)
            at = later.strftime("%Y%m%d%H%M%S")
            # an A08 carries the visit as it stands: after a short stay, its discharge too
            ended = discharge is not None and discharge <= at
            pending.append((at, "A08", changed, adm, adm["_person"], ended))
        if discharge is not None:
            pending.append((discharge, "A03", pat, adm, adm["_person"], True))
    pending.sort(key=lambda m: (m[0], m[3]["adm_id"], m[1]))
    return [
        _message(
            event, f"MSG{i + 1:09d}", when, pat, adm, dg1.get(adm["adm_id"], ()), person, ended
        )
        for i, (when, event, pat, adm, person, ended) in enumerate(pending)
    ]


def batch_file(day: str, messages: Sequence[AdtMessage]) -> str:
    """An HL7 batch file (FHS/BHS ... BTS/FTS) for one day; every segment ends with \\r."""
    head = "|".join(_SENDER)
    lines = [f"FHS|^~\\&|{head}|{day}000000||ADT_{day}.hl7", f"BHS|^~\\&|{head}|{day}000000"]
    for message in messages:
        lines.extend(message.segments)
    lines.extend([f"BTS|{len(messages)}", "FTS|1"])
    return "\r".join(lines) + "\r"


def malformed(message: AdtMessage, variant: int) -> tuple[AdtMessage, str]:
    """The message with one broken segment; returns it and the field that broke."""
    segments = list(message.segments)
    if variant % 3 == 0:  # wrong field separator after the segment id
        i = next(i for i, s in enumerate(segments) if s.startswith("PID|"))
        segments[i] = "PID^" + segments[i][4:]
        broken = "PID"
    elif variant % 3 == 1:  # PV1 cut short: no visit number, no dates
        i = next(i for i, s in enumerate(segments) if s.startswith("PV1|"))
        segments[i] = "PV1|1|I"
        broken = "PV1-19"
    else:  # a non-date where EVN-2 needs a timestamp
        segments[1] = f"EVN|{segments[1].split('|')[1]}|20XX0101"
        broken = "EVN-2"
    return AdtMessage(
        message.control_id, message.event_time, tuple(segments), message.person
    ), broken
