"""The psychiatric hospital: HIS views (as DataFrames in native column names) and ADT events.

Builders return one native table each, with the bookkeeping column ``_person`` (never written).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.cohort import Cohort
from simulators.config import NoiseConfig
from simulators.dates import NO_DAY, iso_dates, iso_times
from simulators.lifecourse import LifeCourse
from simulators.noise import NoisyIdentity, apply_noise

__all__ = ["HIS_KEYS", "HospitalTables", "build_hospital"]

#: HIS view -> (record kind, key column).
HIS_KEYS = {
    "v_patient": ("hospital.patient", "pat_id"),
    "v_admission": ("hospital.admission", "adm_id"),
    "v_diagnosis": ("hospital.diagnosis", "diag_id"),
    "v_medication_order": ("hospital.medication_order", "order_id"),
    "v_scale_assessment": ("hospital.scale_assessment", "assess_id"),
}
#: National diagnosis code -> ICD-10 codes the hospital uses, with Chinese names.
ICD10 = {
    "01": (("F20.0", "偏执型精神分裂症"), ("F20.9", "精神分裂症"), ("F20.3", "未分化型精神分裂症")),
    "02": (("F25.0", "分裂情感性障碍，躁狂型"), ("F25.1", "分裂情感性障碍，抑郁型")),
    "03": (("F22.0", "偏执性精神障碍"),),
    "04": (("F31.2", "双相情感障碍，目前为伴有精神病性症状的躁狂发作"), ("F31.9", "双相情感障碍")),
    "05": (("F06.8", "癫痫所致精神障碍"),),
    "06": (("F71.1", "中度精神发育迟滞伴精神障碍"), ("F70.1", "轻度精神发育迟滞伴精神障碍")),
}
_RELATION = {
    "spouse": "配偶",
    "child": "子女",
    "father": "父亲",
    "mother": "母亲",
    "sibling": "兄弟姐妹",
    "other": "其他",
}
#: Local formulary: code, name, dose, unit, route, frequency, long-acting.
FORMULARY = (
    ("YP0101", "利培酮片", 2.0, "mg", "po", "bid", False),
    ("YP0102", "奥氮平片", 10.0, "mg", "po", "qd", False),
    ("YP0103", "阿立哌唑片", 10.0, "mg", "po", "qd", False),
    ("YP0104", "氯氮平片", 50.0, "mg", "po", "bid", False),
    ("YP0105", "喹硫平片", 200.0, "mg", "po", "bid", False),
    ("YP0201", "碳酸锂缓释片", 0.3, "g", "po", "bid", False),
    ("YP0202", "丙戊酸钠缓释片", 500.0, "mg", "po", "bid", False),
    ("YP0301", "棕榈酸帕利哌酮注射液", 150.0, "mg", "im", "q4w", True),
    ("YP0302", "癸氟奋乃静注射液", 25.0, "mg", "im", "q2w", True),
)
WARDS = ("W01", "W02", "W03", "W05", "W06")


@dataclass(frozen=True)
class HospitalTables:
    """The five HIS views plus the identity the hospital holds for each of its patients."""

    views: dict[str, pd.DataFrame]
    ident: NoisyIdentity
    patients: np.ndarray  # person number of each v_patient row


def _stamp(days: np.ndarray, rng: np.random.Generator) -> list[str]:
    return iso_times(days, rng.integers(8 * 3600, 20 * 3600, len(days)), "space")


def _patients(
    rng: np.random.Generator,
    cohort: Cohort,
    who: np.ndarray,
    noise: NoiseConfig,
) -> tuple[pd.DataFrame, NoisyIdentity]:
    p = cohort.persons.iloc[who]
    ident = apply_noise(rng, p, noise)
    frame = pd.DataFrame(
        {
            "pat_id": [f"H{k:08d}" for k in p["hospital_no"].tolist()],
            "pat_name": ident.name,
            "sex_code": np.where(p["male"], "M", "F"),
            "birth_dt": iso_dates(ident.birth),
            "id_card_no": ident.resident_id,
            "phone": ident.phone,
            "address": p["address"].to_numpy(),
            "guardian_name": p["guardian_name"].to_numpy(),
            "guardian_phone": p["guardian_phone"].to_numpy(),
            "guardian_rel": p["guardian_relation"].map(_RELATION).to_numpy(),
            "nation_code": p["ethnicity"].to_numpy(),
            "marital_code": p["marital"].to_numpy(),
            "updated_at": _stamp(np.minimum(p["confirmed"].to_numpy(), cohort.end - 1), rng),
            "_person": who,
        }
    )
    return frame, ident


def build_hospital(
    rng: np.random.Generator, cohort: Cohort, life: LifeCourse, noise: NoiseConfig
) -> HospitalTables:
    """Patients with a stay in the period, and some outpatients with a confirmed diagnosis."""
    persons, adm = cohort.persons, life.admissions
    n = len(persons)
    has_stay = np.zeros(n, dtype=bool)
    has_stay[adm["person"].to_numpy()] = True
    who = np.flatnonzero(has_stay | (rng.random(n) < 0.4))
    patients, ident = _patients(rng, cohort, who, noise)
    pat_id = np.full(n, "", dtype=object)
    pat_id[who] = patients["pat_id"].to_numpy()
    admissions = _admissions(rng, cohort, adm, pat_id)
    views = {
        "v_patient": patients,
        "v_admission": admissions,
        "v_diagnosis": _diagnoses(rng, cohort, who, pat_id, admissions),
        "v_medication_order": _orders(rng, admissions),
        "v_scale_assessment": _scales(rng, admissions),
    }
    return HospitalTables(views, ident, who)


def _admissions(
    rng: np.random.Generator, cohort: Cohort, adm: pd.DataFrame, pat_id: np.ndarray
) -> pd.DataFrame:
    k = len(adm)
    person = adm["person"].to_numpy()
    admitted, discharged = adm["admitted"].to_numpy(), adm["discharged"].to_numpy()
    doctors = cohort.psychiatrists.iloc[rng.integers(0, len(cohort.psychiatrists), k)]
    still_in = discharged < 0
    way = rng.choice(["1", "2", "4"], k, p=[0.93, 0.04, 0.03])
    effect = rng.choice(["1", "2", "3", "4"], k, p=[0.1, 0.75, 0.12, 0.03])
    # drawn in the order they always were, so a seed gives the same district as before
    ward = np.array(WARDS)[rng.integers(0, len(WARDS), k)]
    adm_time = iso_times(admitted, rng.integers(0, 86400, k), "space")
    dis_time = iso_times(
        np.where(still_in, NO_DAY, discharged), rng.integers(9 * 3600, 16 * 3600, k), "space"
    )
    danger, lai = rng.random(k) < 0.1, rng.random(k) < 0.15
    stamped = _stamp(np.where(still_in, admitted, discharged), rng)
    # the row is last written when it records the admission or the discharge, never before
    updated = [max(s, d or a) for s, a, d in zip(stamped, adm_time, dis_time, strict=True)]
    frame = pd.DataFrame(
        {
            "adm_id": [f"ZY{i + 1:08d}" for i in range(k)],
            "pat_id": pat_id[person],
            "ward_code": ward,
            "adm_time": adm_time,
            "dis_time": dis_time,
            "dis_way": np.where(still_in, "", way),
            "doctor_id": doctors["staff_id"].to_numpy(),
            "doctor_name": doctors["name"].to_numpy(),
            "treat_effect": np.where(still_in, "", effect),
            "danger_flag": danger.astype(int),
            "lai_flag": lai.astype(int),
            "rehab_advice": np.where(still_in, "", "社区康复，按时服药，定期门诊复查"),
            "updated_at": updated,
            "_person": person,
            "_admitted": admitted,
            "_discharged": discharged,
        }
    )
    return frame


def _diagnoses(
    rng: np.random.Generator,
    cohort: Cohort,
    who: np.ndarray,
    pat_id: np.ndarray,
    admissions: pd.DataFrame,
) -> pd.DataFrame:
    """A confirmed diagnosis per patient, an admission and a discharge diagnosis per stay."""
    p = cohort.persons
    dx = p["diagnosis"].to_numpy()
    pick = rng.integers(0, 3, len(p))
    code = np.array([ICD10[d][i % len(ICD10[d])][0] for d, i in zip(dx, pick, strict=True)])
    name = np.array([ICD10[d][i % len(ICD10[d])][1] for d, i in zip(dx, pick, strict=True)])
    confirmed = np.minimum(p["confirmed"].to_numpy()[who], cohort.end - 1)
    person = admissions["_person"].to_numpy()
    stay_days = admissions["_admitted"].to_numpy()
    out_days = admissions["_discharged"].to_numpy()
    parts = [
        (who, np.full(len(who), ""), "3", confirmed, confirmed),
        (person, admissions["adm_id"].to_numpy(), "1", stay_days, stay_days),
    ]
    done = out_days >= 0
    parts.append(
        (person[done], admissions["adm_id"].to_numpy()[done], "2", out_days[done], out_days[done])
    )
    frames = []
    for whom, adm_id, kind, day, stamp in parts:
        doctors = cohort.psychiatrists.iloc[rng.integers(0, len(cohort.psychiatrists), len(whom))]
        frames.append(
            pd.DataFrame(
                {
                    "pat_id": pat_id[whom],
                    "adm_id": adm_id,
                    "icd10": code[whom],
                    "diag_name": name[whom],
                    "diag_type": kind,
                    "diag_time": iso_times(
                        day, rng.integers(8 * 3600, 18 * 3600, len(whom)), "space"
                    ),
                    "onset_date": iso_dates(p["onset"].to_numpy()[whom]),
                    "doctor_id": doctors["staff_id"].to_numpy(),
                    "doctor_name": doctors["name"].to_numpy(),
                    "updated_at": _stamp(stamp, rng),
                    "_person": whom,
                }
            )
        )
    # mental disorder due to epilepsy (05) is confirmed as F06 together with G40 (DOMAIN.md)
    confirmed_rows = frames[0]
    epilepsy = confirmed_rows[dx[confirmed_rows["_person"].to_numpy()] == "05"].copy()
    epilepsy["icd10"], epilepsy["diag_name"] = "G40.9", "癫痫"
    frames.insert(1, epilepsy)
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "diag_id", [f"ZD{i + 1:08d}" for i in range(len(frame))])
    return frame


def _orders(rng: np.random.Generator, admissions: pd.DataFrame) -> pd.DataFrame:
    """Two or three orders per stay; the last one goes home as the discharge medication."""
    per = rng.integers(2, 4, len(admissions))
    row = np.repeat(np.arange(len(admissions)), per)
    last = np.r_[np.diff(row) != 0, True][: len(row)]
    drug = rng.integers(0, len(FORMULARY), len(row))
    a = admissions.iloc[row]
    admitted, discharged = a["_admitted"].to_numpy(), a["_discharged"].to_numpy()
    start = admitted + rng.integers(0, 3, len(row))
    done = discharged >= 0
    status = np.where(done, np.where(last, "completed", "stopped"), "active")
    stop_day = np.where(done, np.where(last, discharged, (start + discharged) // 2), NO_DAY)
    f = [FORMULARY[i] for i in drug.tolist()]
    return pd.DataFrame(
        {
            "order_id": [f"YZ{i + 1:09d}" for i in range(len(row))],
            "pat_id": a["pat_id"].to_numpy(),
            "adm_id": a["adm_id"].to_numpy(),
            "drug_code": [x[0] for x in f],
            "drug_name": [x[1] for x in f],
            "dose": [x[2] for x in f],
            "dose_unit": [x[3] for x in f],
            "route": [x[4] for x in f],
            "freq": [x[5] for x in f],
            "lai_flag": [int(x[6]) for x in f],
            "discharge_flag": (last & done).astype(int),
            "status": status,
            "order_time": _stamp(start, rng),
            "stop_time": iso_times(stop_day, np.full(len(row), 36000), "space"),
            "prescriber_id": a["doctor_id"].to_numpy(),
            "prescriber_name": a["doctor_name"].to_numpy(),
            "updated_at": _stamp(np.where(done, discharged, start), rng),
            "_person": a["_person"].to_numpy(),
        }
    )


def _scales(rng: np.random.Generator, admissions: pd.DataFrame) -> pd.DataFrame:
    """BPRS at admission and discharge; PANSS at admission for about a third of stays."""
    rows = []
    cols = ("pat_id", "adm_id", "doctor_id", "_person", "_admitted", "_discharged")
    table = zip(*(admissions[c].tolist() for c in cols), strict=True)
    for i, (pat_id, adm_id, doctor, person, admitted, discharged) in enumerate(table):
        plan = [("BPRS", admitted, 18, 3.2)]
        if discharged >= 0:
            plan.append(("BPRS", discharged, 18, 1.8))
        if i % 3 == 0:
            plan.append(("PANSS", admitted + 1, 30, 3.0))
        for scale, day, width, level in plan:
            scores = np.clip(np.rint(rng.normal(level, 1.0, width)), 1, 7).astype(int).tolist()
            items = {str(k + 1): s for k, s in enumerate(scores)}
            rows.append(
                (pat_id, adm_id, scale, day, json.dumps(items), sum(scores), doctor, person)
            )
    names = ["pat_id", "adm_id", "scale_code", "_day", "items_json", "total_score", "rater_id"]
    frame = pd.DataFrame(rows, columns=[*names, "_person"])
    days = frame["_day"].to_numpy(dtype=np.int64)
    frame.insert(0, "assess_id", [f"PG{i + 1:08d}" for i in range(len(frame))])
    frame.insert(4, "assess_time", iso_times(days, np.full(len(frame), 37800), "space"))
    frame["updated_at"] = iso_times(days, np.full(len(frame), 39600), "space")
    return frame.drop(columns="_day")
