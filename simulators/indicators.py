"""True district indicators per month and year, per street, from the true (pre-defect) events.

The exact definitions are in ``simulators/README.md``; each function here implements one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.config import StandardIntervals
from simulators.dates import day_number, to_date
from simulators.district import DISTRICT_CODE, STREETS

__all__ = ["INDICATORS", "compute_indicators", "gap_ok", "periods"]

INDICATORS = (
    "management_rate",
    "standardised_management_rate",
    "medication_rate",
    "regular_medication_rate",
    "face_to_face_rate",
    "stable_rate",
    "discharge_follow_up_14d",
    "readmission_30d",
)


@dataclass(frozen=True)
class Period:
    """A reporting period, first and last day inclusive."""

    kind: str  # month | year
    label: str  # 2024-03 | 2024
    first: int
    last: int


def periods(start: int, end: int) -> list[Period]:
    """Every calendar month and calendar year that lies wholly within [start, end)."""
    out: list[Period] = []
    d = to_date(start)
    year, month = d.year, d.month
    if d.day != 1:
        year, month = (year + (month == 12), month % 12 + 1)
    while True:
        first = day_number(to_date(0).replace(year=year, month=month, day=1))
        nxt = (year + (month == 12), month % 12 + 1)
        last = day_number(to_date(0).replace(year=nxt[0], month=nxt[1], day=1)) - 1
        if last >= end:
            break
        out.append(Period("month", f"{year:04d}-{month:02d}", first, last))
        year, month = nxt
    for y in range(to_date(start).year, to_date(end).year + 1):
        first = day_number(to_date(0).replace(year=y))
        last = day_number(to_date(0).replace(year=y + 1)) - 1
        if first >= start and last < end:
            out.append(Period("year", str(y), first, last))
    return out


def allowed_gap(cls: np.ndarray, prev_cls: np.ndarray, rules: StandardIntervals) -> np.ndarray:
    """Longest allowed gap after a visit of class cls whose previous visit had prev_cls."""
    return np.select(
        [cls == 1, (cls == 2) & (prev_cls != 2), cls == 2],
        [rules.unstable, rules.basically_stable_first, rules.basically_stable_repeat],
        rules.stable,
    )


def gap_ok(visits: pd.DataFrame, admissions: pd.DataFrame, rules: StandardIntervals) -> np.ndarray:
    """Whether the gap ending at each visit (sorted by person, day) was within the standard.

    The first visit of a person has no gap (True). When a hospital discharge falls between
    the two visits, the gap is counted from the discharge and allowed ``after_discharge`` days.
    """
    person, day = visits["person"].to_numpy(), visits["day"].to_numpy()
    same = np.r_[False, person[1:] == person[:-1]]
    prev_day = np.r_[0, day[:-1]]
    limit = allowed_gap(
        np.r_[0, visits["cls"].to_numpy()[:-1]], np.r_[0, visits["prev_cls"].to_numpy()[:-1]], rules
    )
    done = admissions[admissions["discharged"] >= admissions["admitted"]]
    last_out = _last_before(person, day, done["person"].to_numpy(), done["discharged"].to_numpy())
    after_stay = same & (last_out > prev_day) & (last_out < day)
    ok = np.where(after_stay, day - last_out <= rules.after_discharge, day - prev_day <= limit)
    return np.where(same, ok, True)


def _last_before(
    person: np.ndarray,
    day: np.ndarray,
    e_person: np.ndarray,
    e_day: np.ndarray,
) -> np.ndarray:
    """For each (person, day), the latest event day of that person strictly before day."""
    out = np.full(len(person), np.iinfo(np.int64).min // 2, dtype=np.int64)
    if not len(e_person):
        return out
    scale = np.int64(1 << 32)
    ev = np.sort(e_person.astype(np.int64) * scale + e_day + (1 << 31))
    q = person.astype(np.int64) * scale + day + (1 << 31)
    i = np.searchsorted(ev, q, side="left") - 1
    hit = (i >= 0) & (ev[np.maximum(i, 0)] // scale == person)
    out[hit] = ev[i[hit]] % scale - (1 << 31)
    return out


def compute_indicators(
    persons: pd.DataFrame,
    visits: pd.DataFrame,
    admissions: pd.DataFrame,
    start: int,
    end: int,
    rules: StandardIntervals,
) -> pd.DataFrame:
    """Numerator and denominator of every indicator, per period and street (and district)."""
    ok = gap_ok(visits, admissions, rules)
    rows: list[tuple[str, str, str, str, int, int]] = []
    for period in periods(start, end):
        parts = _period_counts(persons, visits, ok, admissions, period, rules)
        for street, counts in parts.items():
            for name, (num, den) in counts.items():
                rows.append((period.kind, period.label, street, name, num, den))
    return pd.DataFrame(
        rows,
        columns=["period_kind", "period", "street_code", "indicator", "numerator", "denominator"],
    )


def _per_street(
    street: np.ndarray,
    num: np.ndarray,
    den: np.ndarray,
) -> dict[str, tuple[int, int]]:
    k = len(STREETS)
    n = np.bincount(street[num & den], minlength=k)
    d = np.bincount(street[den], minlength=k)
    out = {STREETS[i].code: (int(n[i]), int(d[i])) for i in range(k)}
    out[DISTRICT_CODE] = (int(n.sum()), int(d.sum()))
    return out


def _period_counts(
    persons: pd.DataFrame,
    visits: pd.DataFrame,
    ok: np.ndarray,
    admissions: pd.DataFrame,
    p: Period,
    rules: StandardIntervals,
) -> dict[str, dict[str, tuple[int, int]]]:
    n = len(persons)
    street = persons["street"].to_numpy()
    gone = np.minimum(persons["death"].to_numpy(), persons["moved"].to_numpy())
    registered = (persons["registered"].to_numpy() <= p.last) & (gone >= p.first)
    v = visits[(visits["day"] >= p.first) & (visits["day"] <= p.last)]
    who = v["person"].to_numpy()
    adherence = v["adherence"].to_numpy()
    in_hospital = v["hosp"].to_numpy() == 1
    managed = registered & (np.bincount(who, minlength=n) > 0)
    bad_gap = np.bincount(who, weights=~ok[v.index.to_numpy()], minlength=n) > 0
    standard = managed & ~bad_gap
    if p.kind == "year":
        whole = (persons["registered"].to_numpy() <= p.first) & (gone > p.last)
        standard &= ~whole | (np.bincount(who, minlength=n) >= rules.min_per_year)
    medicated = registered & _any(who, np.isin(adherence, (1, 2)) | in_hospital, n)
    regular = registered & _regular(persons, v, p, gone, n)
    face = registered & _any(who, np.isin(v["vtype"].to_numpy(), (1, 2)), n)
    last = v.drop_duplicates("person", keep="last")
    stable = np.zeros(n, dtype=bool)
    stable[last["person"].to_numpy()] = last["cls"].to_numpy() == 3
    counts = {
        "management_rate": _per_street(street, managed, registered),
        "standardised_management_rate": _per_street(street, standard, registered),
        "medication_rate": _per_street(street, medicated, registered),
        "regular_medication_rate": _per_street(street, regular, registered),
        "face_to_face_rate": _per_street(street, face, registered),
        "stable_rate": _per_street(street, stable, managed),
        **_discharge_counts(persons, visits, admissions, p, gone, rules),
    }
    streets = [s.code for s in STREETS] + [DISTRICT_CODE]
    return {s: {name: c[s] for name, c in counts.items()} for s in streets}


def _any(who: np.ndarray, flag: np.ndarray, n: int) -> np.ndarray:
    hit: np.ndarray = np.bincount(who[flag], minlength=n) > 0
    return hit


def _regular(
    persons: pd.DataFrame,
    v: pd.DataFrame,
    p: Period,
    gone: np.ndarray,
    n: int,
) -> np.ndarray:
    """No intermittent/not-taking visit in P; a regular (or in-hospital) visit in P, and in
    every calendar quarter piece of P during which the patient was registered throughout."""
    who, day, adherence = v["person"].to_numpy(), v["day"].to_numpy(), v["adherence"].to_numpy()
    good = (adherence == 1) | (v["hosp"].to_numpy() == 1)
    result: np.ndarray = ~_any(who, np.isin(adherence, (2, 3)), n) & _any(who, good, n)
    reg = persons["registered"].to_numpy()
    for first, last in _quarter_pieces(p):
        throughout = (reg <= first) & (gone > last)
        inside = (day >= first) & (day <= last)
        result &= ~throughout | _any(who, good & inside, n)
    return result


def _quarter_pieces(p: Period) -> list[tuple[int, int]]:
    if p.kind == "month":
        return [(p.first, p.last)]
    year = to_date(p.first).year
    bounds = [day_number(to_date(0).replace(year=year, month=m)) for m in (1, 4, 7, 10)]
    bounds.append(p.last + 1)
    return [(bounds[i], bounds[i + 1] - 1) for i in range(4)]


def _discharge_counts(
    persons: pd.DataFrame,
    visits: pd.DataFrame,
    admissions: pd.DataFrame,
    p: Period,
    gone: np.ndarray,
    rules: StandardIntervals,
) -> dict[str, dict[str, tuple[int, int]]]:
    """Discharges in P: followed up within N days (registered patients); readmitted in 30."""
    street = persons["street"].to_numpy()
    a = admissions[(admissions["discharged"] >= p.first) & (admissions["discharged"] <= p.last)]
    who, out = a["person"].to_numpy(), a["discharged"].to_numpy()
    registered = (persons["registered"].to_numpy()[who] <= out) & (gone[who] > out)
    next_visit = _first_after(visits["person"].to_numpy(), visits["day"].to_numpy(), who, out)
    followed = next_visit - out <= rules.after_discharge
    next_adm = _first_after(
        admissions["person"].to_numpy(), admissions["admitted"].to_numpy(), who, out
    )
    readmitted = next_adm - out <= rules.readmission_days
    res: dict[str, dict[str, tuple[int, int]]] = {}
    for name, num, den in (
        ("discharge_follow_up_14d", followed & registered, registered),
        ("readmission_30d", readmitted, np.ones(len(who), dtype=bool)),
    ):
        res[name] = _per_street(street[who], num, den)
    return res


def _first_after(
    e_person: np.ndarray,
    e_day: np.ndarray,
    person: np.ndarray,
    day: np.ndarray,
) -> np.ndarray:
    """For each (person, day), the earliest event day of that person strictly after day."""
    far = np.iinfo(np.int64).max // 4
    out = np.full(len(person), far, dtype=np.int64)
    if not len(e_person) or not len(person):
        return out
    scale = np.int64(1 << 32)
    ev = np.sort(e_person.astype(np.int64) * scale + e_day + (1 << 31))
    q = person.astype(np.int64) * scale + day + (1 << 31)
    i = np.searchsorted(ev, q, side="right")
    hit = (i < len(ev)) & (ev[np.minimum(i, len(ev) - 1)] // scale == person)
    out[hit] = ev[i[hit]] % scale - (1 << 31)
    return out
