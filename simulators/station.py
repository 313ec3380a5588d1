"""The rehabilitation station: monthly exports of the national SMD information system.

Each builder returns one native table (Chinese headers, every value a string) with two
bookkeeping columns that are never written: ``_person`` (the true person) and ``_month``
(``YYYYMM``, the export file the row goes to).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators import ids, names
from simulators.cohort import Cohort
from simulators.config import NoiseConfig, StandardIntervals
from simulators.dates import iso_dates, iso_times
from simulators.district import STREETS
from simulators.lifecourse import LifeCourse
from simulators.noise import NoisyIdentity, apply_noise

__all__ = [
    "STATION_KEYS",
    "build_care_team",
    "build_emergencies",
    "build_follow_ups",
    "build_registrations",
    "drug_regimens",
    "month_of",
    "registration_numbers",
]

#: Export kind -> (record kind, key column).
STATION_KEYS = {
    "基本信息": ("station.registration", "登记编号"),
    "随访记录": ("station.follow_up", "随访编号"),
    "应急处置": ("station.emergency", "事件编号"),
    "关爱帮扶小组": ("station.care_team_member", "成员编号"),
}
#: GB/T 4761 family-relation codes as the national system writes them.
_RELATION = {
    "spouse": "10",
    "child": "20",
    "father": "51",
    "mother": "52",
    "sibling": "70",
    "other": "99",
}
_STATUS = {"managed": "在管", "lost": "失访", "deceased": "死亡", "moved": "迁出"}
_DRUGS = (
    "利培酮 2mg bid",
    "奥氮平 10mg qn",
    "阿立哌唑 10mg qd",
    "氯氮平 50mg bid",
    "喹硫平 200mg bid",
    "丙戊酸钠 500mg bid",
    "碳酸锂 0.25g tid",
    "帕利哌酮棕榈酸酯 150mg q4w",
)
_SYMPTOMS_P = {1: 0.35, 2: 0.15, 3: 0.02}


def _table(columns: dict[str, Any]) -> pd.DataFrame:
    """A native table whose cells stay Python objects: cheap to slice by month and to write."""
    return pd.DataFrame(columns, dtype=object)


def registration_numbers(persons: pd.DataFrame) -> np.ndarray:
    """登记编号 of each person: district code + 7 digits (numbered in the station's own order)."""
    return np.array([f"310104{k:07d}" for k in persons["station_no"].tolist()])


def month_of(days: np.ndarray) -> np.ndarray:
    """``YYYYMM`` of each day number: the export file a row goes to."""
    if not len(days):
        return np.array([], dtype=str)
    as_days = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    text = np.datetime_as_string(as_days.astype("datetime64[M]"))
    return np.char.replace(text, "-", "")


def build_registrations(
    rng: np.random.Generator, cohort: Cohort, noise: NoiseConfig
) -> tuple[pd.DataFrame, NoisyIdentity]:
    """基本信息: a row when a patient is registered (or in the first export) and when the
    management status changes; a later row of the same 登记编号 supersedes the earlier."""
    p, start, end = cohort.persons, cohort.start, cohort.end
    ident = apply_noise(rng, p, noise)
    n = len(p)
    doctors = cohort.doctors.iloc[p["doctor"].to_numpy()]
    street = p["street"].to_numpy()
    base = _table(
        {
            "登记编号": registration_numbers(p),
            "姓名": ident.name,
            "性别": np.where(p["male"], "1", "2"),
            "出生日期": iso_dates(ident.birth),
            "身份证号": ident.resident_id,
            "联系电话": ident.phone,
            "现住址": p["address"].to_numpy(),
            "监护人姓名": p["guardian_name"].to_numpy(),
            "监护人电话": p["guardian_phone"].to_numpy(),
            "与患者关系": p["guardian_relation"].map(_RELATION).to_numpy(),
            "诊断": p["diagnosis"].to_numpy(),
            "确诊日期": iso_dates(p["confirmed"].to_numpy()),
            "确诊医院": "上海市徐汇区精神卫生中心",
            "初次发病时间": iso_dates(p["onset"].to_numpy()),
            "建档日期": iso_dates(p["registered"].to_numpy()),
            "所属街道": [STREETS[s].code for s in street.tolist()],
            "居委会": [
                STREETS[s].neighbourhood(k)
                for s, k in zip(street.tolist(), p["neighbourhood"].tolist(), strict=True)
            ],
            "管理机构编码": [STREETS[s].station_code for s in street.tolist()],
            "管理机构": [STREETS[s].station_name for s in street.tolist()],
            "精防医生编号": doctors["staff_id"].to_numpy(),
            "精防医生": doctors["name"].to_numpy(),
            "管理状态": "在管",
            "状态变更日期": "",
            "失访原因": "",
            "知情同意": np.where(p["consent"], "是", "否"),
            "经济状况": np.where(p["poor"], "1", "2"),
            "_person": np.arange(n),
            "_month": month_of(np.maximum(p["registered"].to_numpy(), start)),
        }
    )
    exit_day = p["exit"].to_numpy()
    gone = np.flatnonzero(exit_day < end)
    kind = np.select(
        [
            p["death"].to_numpy()[gone] == exit_day[gone],
            p["moved"].to_numpy()[gone] == exit_day[gone],
        ],
        ["deceased", "moved"],
        "lost",
    )
    columns = {c: base[c].to_numpy()[gone] for c in base.columns}
    columns["管理状态"] = np.array([_STATUS[k] for k in kind], dtype=object)
    columns["状态变更日期"] = iso_dates(exit_day[gone])
    columns["失访原因"] = np.where(kind == "lost", p["loss_reason"].to_numpy()[gone], "")
    columns["_month"] = month_of(exit_day[gone])
    return pd.concat([base, _table(columns)], ignore_index=True), ident


def _pattern_table(rng: np.random.Generator, p_tick: float, width: int, size: int) -> np.ndarray:
    """A few hundred tick-box patterns ("1,3,5") to draw from, instead of joining per row."""
    ticks = rng.random((size, width)) < p_tick
    return np.array([",".join(str(j + 1) for j in np.flatnonzero(row)) for row in ticks])


def _rating(rng: np.random.Generator, cls: np.ndarray) -> np.ndarray:
    """1 good, 2 fair, 3 poor: worse when less stable."""
    u = rng.random(len(cls))
    good = np.select([cls == 3, cls == 2], [0.7, 0.3], 0.1)
    fair = np.select([cls == 3, cls == 2], [0.95, 0.8], 0.5)
    return np.where(u < good, "1", np.where(u < fair, "2", "3"))


def drug_regimens(rng: np.random.Generator, n: int) -> np.ndarray:
    """Each patient's usual medication as the follow-up form writes it (用药情况)."""
    regimen = np.array(
        [*_DRUGS, *(f"{a};{b}" for a, b in zip(_DRUGS[:3], _DRUGS[5:], strict=True))]
    )
    return regimen[rng.integers(0, len(regimen), n)]


def build_follow_ups(
    rng: np.random.Generator,
    cohort: Cohort,
    v: pd.DataFrame,
    rules: StandardIntervals,
    *,
    numbers: np.ndarray,
    regimens: np.ndarray,
) -> pd.DataFrame:
    """随访记录: one row of the national follow-up form per visit of ``v`` (a slice of the
    life course's visits; ``numbers`` give the visit ids, ``regimens`` each patient's drugs)."""
    n, cls, risk = len(v), v["cls"].to_numpy(), v["risk"].to_numpy()
    person = v["person"].to_numpy()
    patterns = {c: _pattern_table(rng, q, 12, 256) for c, q in _SYMPTOMS_P.items()}
    symptoms = np.select(
        [cls == c for c in (1, 2, 3)], [patterns[c][rng.integers(0, 256, n)] for c in (1, 2, 3)], ""
    )
    own_drugs = regimens[person]
    allowed = np.select(
        [cls == 1, (cls == 2) & (v["prev_cls"].to_numpy() != 2), cls == 2],
        [rules.unstable, rules.basically_stable_first, rules.basically_stable_repeat],
        rules.stable,
    )
    doctors = cohort.doctors.iloc[cohort.persons["doctor"].to_numpy()[person]]
    u = rng.random((8, n))
    vtype = v["vtype"].to_numpy()
    adherence = v["adherence"].to_numpy()
    rehab = _pattern_table(rng, 0.3, 5, 64)[rng.integers(0, 64, n)]
    referred = (cls == 1) & (u[5] < 0.6)
    frame = _table(
        {
            "随访编号": [f"SF{i:09d}" for i in np.asarray(numbers).tolist()],
            "登记编号": registration_numbers(cohort.persons)[person],
            "随访日期": iso_dates(v["day"].to_numpy()),
            "随访方式": vtype.astype(str),
            "随访对象": np.where((vtype == 3) & (u[0] < 0.6), "2", np.where(u[0] < 0.9, "1", "3")),
            "危险性评估": risk.astype(str),
            "目前症状": symptoms,
            "自知力": np.select(
                [cls == 3, cls == 2],
                [np.where(u[1] < 0.8, "1", "2"), np.where(u[1] < 0.7, "2", "1")],
                np.where(u[1] < 0.6, "3", "2"),
            ),
            "睡眠情况": _rating(rng, cls),
            "饮食情况": _rating(rng, cls),
            "个人生活料理": _rating(rng, cls),
            "家务劳动": _rating(rng, cls),
            "生产劳动及工作": np.where(u[2] < 0.3, "9", _rating(rng, cls)),
            "学习能力": _rating(rng, cls),
            "社会人际交往": _rating(rng, cls),
            "轻度滋事": np.where((risk == 1) & (u[3] < 0.3), "1", "0"),
            "肇事": np.where((risk == 3) & (u[3] < 0.5), "1", "0"),
            "肇祸": np.where((risk >= 4) & (u[3] < 0.3), "1", "0"),
            "其他危害行为": np.where((risk == 2) & (u[3] < 0.2), "1", "0"),
            "自伤": np.where((risk == 4) & (u[4] < 0.2), "1", "0"),
            "自杀未遂": np.where((risk == 4) & (u[4] < 0.05), "1", "0"),
            "关锁情况": np.where((cls == 1) & (u[5] < 0.01), "2", "1"),
            "住院情况": v["hosp"].to_numpy().astype(str),
            "末次出院时间": iso_dates(v["last_discharge"].to_numpy()),
            "服药依从性": adherence.astype(str),
            "药物不良反应": np.where(u[6] < 0.9, "1", "2"),
            "治疗效果": np.select(
                [cls == 3, cls == 2],
                [np.where(u[7] < 0.5, "1", "2"), np.where(u[7] < 0.6, "2", "3")],
                np.where(u[7] < 0.6, "3", "4"),
            ),
            "是否转诊": np.where(referred, "2", "1"),
            "转诊原因": np.where(referred, "病情不稳定", ""),
            "转诊机构及科室": np.where(referred, "上海市徐汇区精神卫生中心 门诊", ""),
            "用药情况": np.where(adherence == 4, "", own_drugs),
            "康复措施": rehab,
            "本次随访分类": cls.astype(str),
            "下次随访日期": iso_dates(v["day"].to_numpy() + allowed),
            "随访医生编号": doctors["staff_id"].to_numpy(),
            "随访医生": doctors["name"].to_numpy(),
            "死亡日期": "",
            "死亡原因": "",
            "_person": person,
            "_month": month_of(v["day"].to_numpy()),
        }
    )
    return frame


def build_emergencies(rng: np.random.Generator, cohort: Cohort, life: LifeCourse) -> pd.DataFrame:
    """应急处置: emergency handling of risk events."""
    e = life.emergencies
    n, person = len(e), e["person"].to_numpy()
    admitted = e["admitted"].to_numpy()
    police = e["risk"].to_numpy() >= 4
    doctors = cohort.doctors.iloc[cohort.persons["doctor"].to_numpy()[person]]
    measures = np.where(admitted, "1,2,4", "1,4")
    return _table(
        {
            "事件编号": [f"YJ{i + 1:08d}" for i in range(n)],
            "登记编号": registration_numbers(cohort.persons)[person],
            "发生时间": iso_times(e["day"].to_numpy(), rng.integers(0, 86400, n), "minutes"),
            "危险性等级": e["risk"].astype(str).to_numpy(),
            "事件描述": np.where(police, "患者在外伤人毁物", "患者在家砸物，情绪激动"),
            "处置措施": np.where(police, np.char.add(measures.astype(str), ",3"), measures),
            "公安参与": np.where(police, "是", "否"),
            "是否住院": np.where(admitted, "是", "否"),
            "处置人编号": doctors["staff_id"].to_numpy(),
            "处置人": doctors["name"].to_numpy(),
            "_person": person,
            "_month": month_of(e["day"].to_numpy()),
        }
    )


#: Care-team roles as the station writes them, with the share of patients whose team has one.
_ROLES = (
    ("精防医生", 1.0, "社区卫生服务中心"),
    ("居委会", 1.0, "居委会"),
    ("网格员", 0.9, "街道网格中心"),
    ("民警", 1.0, "派出所"),
    ("家属", 0.95, ""),
    ("精神科医生", 0.3, "上海市徐汇区精神卫生中心"),
    ("民政专干", 0.2, "街道民政科"),
    ("残疾人专职委员", 0.2, "街道残联"),
    ("志愿者", 0.1, "志愿者协会"),
)


def build_care_team(rng: np.random.Generator, cohort: Cohort) -> pd.DataFrame:
    """关爱帮扶小组: the members of each patient's care and assistance team."""
    p = cohort.persons
    n = len(p)
    parts = []
    for role, share, organisation in _ROLES:
        who = np.flatnonzero(rng.random(n) < share)
        if role == "精防医生":
            staff = cohort.doctors.iloc[p["doctor"].to_numpy()[who]]
            member, phone = staff["name"].to_numpy(), np.array(ids.phones(rng, len(who)))
        elif role == "家属":
            member = p["guardian_name"].to_numpy()[who]
            phone = p["guardian_phone"].to_numpy()[who]
        else:
            member = np.array(names.chinese_names(rng, rng.random(len(who)) < 0.5), dtype=object)
            phone = np.array(ids.phones(rng, len(who)))
        street = p["street"].to_numpy()[who]
        org = [STREETS[s].name + organisation if organisation else "" for s in street.tolist()]
        parts.append(
            pd.DataFrame(
                {"_person": who, "角色": role, "姓名": member, "联系电话": phone, "所在单位": org}
            )
        )
    team = pd.concat(parts, ignore_index=True).sort_values("_person", kind="stable")
    person = team["_person"].to_numpy()
    since = np.maximum(p["registered"].to_numpy()[person], cohort.start)
    return _table(
        {
            "成员编号": [f"GA{i + 1:08d}" for i in range(len(team))],
            "登记编号": registration_numbers(p)[person],
            **{c: team[c].to_numpy() for c in ("角色", "姓名", "联系电话", "所在单位")},
            "加入日期": iso_dates(since),
            "退出日期": "",
            "_person": person,
            "_month": month_of(since),
        }
    )
