"""Cross-source defects: records each sound alone, implausible beside the person's other records.

Injected after the row-level defects, only into rows that carry none (a record gets at most
one defect), and labelled in ``truth/defects.parquet`` like every other defect:

* ``follow_up_during_stay``: a home or clinic follow-up dated strictly inside one of the
  person's hospital stays (the follow-up's date and type are changed);
* ``discharge_before_admission``: a hospital admission whose discharge precedes its
  admission by a few days (fatal: the record cannot be used as it is);
* ``high_risk_without_action``: a follow-up recording risk level 3 after which nothing
  happens for more than 14 days: no station visit, admission or emergency, no referral at
  that visit, and no agency case (a person who did not consent to sharing has none); the
  risk level is then the record's true level, so ``scale_scores.parquet`` says 3 too;
* ``scale_total_mismatch``: a ward assessment whose recorded total is off by 1-5;
* ``visits_after_death``: a follow-up of a person whose death the station recorded, moved to
  1-30 days after the death.

Every choice is made from the true life course, so a kind is only injected where it shows:
a stay of at least two nights, a death inside the period, a quiet fortnight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.config import DefectConfig
from simulators.dates import NO_DAY, iso_dates
from simulators.defects import DefectLog

__all__ = [
    "CROSS_SOURCE",
    "LifeEvents",
    "admission_defects",
    "follow_up_defects",
    "scale_total_defects",
]

#: Cross-source defect kinds and how bad each is for the record that carries it.
CROSS_SOURCE = {
    "follow_up_during_stay": "warning",
    "discharge_before_admission": "fatal",
    "high_risk_without_action": "warning",
    "scale_total_mismatch": "warning",
    "visits_after_death": "warning",
}
_WINDOW = 14  # days within which a high risk must be acted on (the check's window)


@dataclass(frozen=True)
class LifeEvents:
    """What the station side needs of the whole life course to place its defects."""

    stays: dict[int, list[tuple[int, int]]]  # person -> (admitted, discharged), 2+ nights
    death: np.ndarray  # per person: day of a recorded death inside the period, or NO_DAY
    quiet: np.ndarray  # per visit (life-course order): nothing happens in the next 14 days
    end: int

    @classmethod
    def build(
        cls,
        visits: pd.DataFrame,
        admissions: pd.DataFrame,
        emergencies: pd.DataFrame,
        persons: pd.DataFrame,
        end: int,
    ) -> LifeEvents:
        """From the true visits, stays, emergencies and people."""
        stays: dict[int, list[tuple[int, int]]] = {}
        for person, admitted, discharged in zip(
            admissions["person"].tolist(),
            admissions["admitted"].tolist(),
            admissions["discharged"].tolist(),
            strict=True,
        ):
            if discharged != NO_DAY and discharged - admitted >= 2:
                stays.setdefault(int(person), []).append((int(admitted), int(discharged)))
        # a death the station recorded: the exit, inside the period (not after a move away)
        death = persons["death"].to_numpy(dtype=np.int64)
        recorded = (death < end) & (death == persons["exit"].to_numpy(dtype=np.int64))
        death = np.where(recorded, death, NO_DAY)
        return cls(stays, death, _quiet(visits, admissions, emergencies, persons), end)


def _quiet(
    visits: pd.DataFrame, admissions: pd.DataFrame, emergencies: pd.DataFrame, persons: pd.DataFrame
) -> np.ndarray:
    """Per visit: no visit, admission or emergency of the person in the next 14 days, no case."""
    person, day = visits["person"].to_numpy(), visits["day"].to_numpy()
    events = pd.concat(
        [
            visits[["person", "day"]],
            admissions[["person", "admitted"]].rename(columns={"admitted": "day"}),
            emergencies[["person", "day"]],
        ],
        ignore_index=True,
    )
    key = events["person"].to_numpy(dtype=np.int64) * 1_000_000 + events["day"].to_numpy()
    key = np.sort(key)
    base = person.astype(np.int64) * 1_000_000 + day
    # any event of the same person in (day, day + 14]
    busy = np.searchsorted(key, base + _WINDOW, side="right") > np.searchsorted(
        key, base, side="right"
    )
    consented = persons["consent"].to_numpy(dtype=bool)[person]
    alive = persons["death"].to_numpy()[person] > day + _WINDOW
    return np.asarray(~busy & ~consented & alive & (visits["risk"].to_numpy() < 3))


def _choose(rng: np.random.Generator, n: int, rate: float, candidates: np.ndarray) -> np.ndarray:
    """Row positions to damage: about ``rate`` of ``n`` rows, among the candidates."""
    k = min(int(rng.binomial(n, rate)) if n and rate > 0 else 0, len(candidates))
    return np.sort(rng.choice(candidates, k, replace=False)) if k else np.array([], dtype=int)


def _undamaged(table: pd.DataFrame, key: str, log: DefectLog, kind: str) -> np.ndarray:
    """Rows whose key carries no defect yet (a duplicated row counts as damaged)."""
    damaged = {r["source_key"] for r in log.rows if r["record_kind"] == kind}
    keys = table[key].astype(str)
    return np.asarray(~keys.isin(damaged).to_numpy() & ~keys.duplicated(keep=False).to_numpy())


def _apply(
    table: pd.DataFrame,
    rows: np.ndarray,
    change: Callable[[int], dict[str, object]],
    label: Callable[[str], None],
    key: str,
) -> None:
    for r in rows.tolist():
        for column, value in change(r).items():
            table.iat[r, table.columns.get_loc(column)] = value
        label(str(table.iat[r, table.columns.get_loc(key)]))


def follow_up_defects(
    rng: np.random.Generator,
    table: pd.DataFrame,
    events: LifeEvents,
    config: DefectConfig,
    log: DefectLog,
) -> list[str]:
    """Damage one month's follow-up rows (column ``_visit``: each row's visit in the life
    course); returns the keys whose risk level became 3."""
    kind, key = "station.follow_up", "随访编号"
    free = _undamaged(table, key, log, kind)
    person = table["_person"].to_numpy(dtype=np.int64)
    n = len(table)

    def label(defect: str, field: str) -> Callable[[str], None]:
        return lambda k: log.add("station", kind, k, defect, field)

    in_stay = np.flatnonzero(free & np.isin(person, list(events.stays)))
    during = _choose(rng, n, config.follow_up_during_stay, in_stay)
    free[during] = False

    def into_stay(r: int) -> dict[str, object]:
        stays = events.stays[int(person[r])]
        admitted, discharged = stays[int(rng.integers(0, len(stays)))]
        day = int(rng.integers(admitted + 1, discharged))
        return {"随访日期": iso_dates(np.array([day]))[0], "随访方式": "2"}

    _apply(table, during, into_stay, label("follow_up_during_stay", "随访日期"), key)

    quiet = np.flatnonzero(free & events.quiet[table["_visit"].to_numpy(dtype=np.int64)])
    risky = _choose(rng, n, config.high_risk_without_action, quiet)
    free[risky] = False
    no_action: dict[str, object] = {
        "危险性评估": "3",
        "是否转诊": "1",
        "转诊原因": "",
        "转诊机构及科室": "",
    }
    _apply(table, risky, lambda r: no_action, label("high_risk_without_action", "危险性评估"), key)

    died = np.flatnonzero(free & (events.death[person] != NO_DAY))
    after = _choose(rng, n, config.visits_after_death, died)

    def past_death(r: int) -> dict[str, object]:
        day = int(events.death[person[r]] + rng.integers(1, 31))
        return {"随访日期": iso_dates(np.array([day]))[0]}

    _apply(table, after, past_death, label("visits_after_death", "随访日期"), key)
    return [str(k) for k in table[key].to_numpy()[risky].tolist()]


def admission_defects(
    rng: np.random.Generator, table: pd.DataFrame, config: DefectConfig, log: DefectLog
) -> None:
    """Discharges a few days before their admission, on discharged, undamaged rows."""
    kind, key = "hospital.admission", "adm_id"
    done = table["dis_time"].astype(str).str.len().to_numpy() > 0
    rows = _choose(
        rng,
        len(table),
        config.discharge_before_admission,
        np.flatnonzero(done & _undamaged(table, key, log, kind)),
    )

    def before(r: int) -> dict[str, object]:
        admitted = np.datetime64(str(table.iat[r, table.columns.get_loc("adm_time")])[:10])
        day = (admitted - np.timedelta64(int(rng.integers(1, 6)), "D")).astype(str)
        return {"dis_time": f"{day}{str(table.iat[r, table.columns.get_loc('dis_time')])[10:]}"}

    _apply(
        table,
        rows,
        before,
        lambda k: log.add("hospital", kind, k, "discharge_before_admission", "dis_time"),
        key,
    )


def scale_total_defects(
    rng: np.random.Generator, table: pd.DataFrame, config: DefectConfig, log: DefectLog
) -> None:
    """Ward assessments whose recorded total is off by 1-5 (the items stay true)."""
    kind, key = "hospital.scale_assessment", "assess_id"
    rows = _choose(
        rng,
        len(table),
        config.scale_total_mismatch,
        np.flatnonzero(_undamaged(table, key, log, kind)),
    )
    column = table.columns.get_loc("total_score")

    def off(r: int) -> dict[str, object]:
        return {"total_score": int(table.iat[r, column]) + int(rng.integers(1, 6))}

    _apply(
        table,
        rows,
        off,
        lambda k: log.add("hospital", kind, k, "scale_total_mismatch", "total_score"),
        key,
    )
