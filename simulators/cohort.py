"""The registered patients of the district, their families and the staff who look after them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators import ids, names
from simulators.district import DISTRICT_NAME, STREETS

__all__ = ["DIAGNOSIS_SHARES", "Cohort", "make_cohort"]

#: National diagnosis code -> share among registered patients (DOMAIN.md: ~3/4 schizophrenia).
DIAGNOSIS_SHARES = {"01": 0.75, "04": 0.10, "02": 0.04, "03": 0.03, "05": 0.03, "06": 0.05}
#: Guardian relation (canonical, each system spells it its own way) with its share.
RELATIONS = {
    "mother": 0.3,
    "father": 0.2,
    "spouse": 0.25,
    "sibling": 0.1,
    "child": 0.1,
    "other": 0.05,
}
_YEAR = 365.25


@dataclass(frozen=True)
class Cohort:
    """True people and staff; day numbers count from 1970-01-01."""

    persons: pd.DataFrame  # one row per patient, index = person number
    doctors: pd.DataFrame  # prevention doctors: doctor_id, name, street
    workers: pd.DataFrame  # social workers (case managers): worker_id, name, street
    psychiatrists: pd.DataFrame  # hospital doctors: doctor_id, name
    hard_negatives: pd.DataFrame  # person_a, person_b, kind
    start: int
    end: int


def _staff(rng: np.random.Generator, prefix: str, per_street: np.ndarray) -> pd.DataFrame:
    street = np.repeat(np.arange(len(per_street)), per_street)
    male = rng.random(len(street)) < 0.4
    return pd.DataFrame(
        {
            "staff_id": ids.keys(prefix, np.arange(1, len(street) + 1), 4),
            "name": names.chinese_names(rng, male),
            "street": street,
        }
    )


def _exit_day(rng: np.random.Generator, n: int, per_year: float, begin: np.ndarray) -> np.ndarray:
    """Day of an exit event with a constant yearly hazard (may lie after the end)."""
    return begin + (rng.exponential(_YEAR / per_year, n)).astype(np.int64)


def _hard_negatives(rng: np.random.Generator, p: dict[str, np.ndarray], start: int) -> pd.DataFrame:
    """Make twins, same-name parent/child and same common name + birth year pairs (in place)."""
    n = len(p["name"])
    k = max(1, round(n * 0.005)) if n >= 12 else 0
    picks = rng.permutation(n)[: 6 * k].reshape(3, k, 2)
    home = ("address", "street", "neighbourhood")
    a, b = picks[0, :, 0], picks[0, :, 1]  # twins: same birth date, home and surname
    for col in ("birth", *home):
        p[col][b] = p[col][a]
    p["name"][b] = [x[0] + y[1:] for x, y in zip(p["name"][a], p["name"][b], strict=True)]
    a, b = picks[1, :, 0], picks[1, :, 1]  # parent and child of the same name, living together
    for col in ("name", "male", *home):
        p[col][b] = p[col][a]
    p["birth"][a] = np.minimum(p["birth"][a], start - int(50 * _YEAR))
    p["birth"][b] = p["birth"][a] + (rng.integers(22, 32, k) * _YEAR).astype(np.int64)
    a, b = picks[2, :, 0], picks[2, :, 1]  # same common name and birth year, unrelated
    common = np.array(names.COMMON_NAMES)[np.arange(k) % len(names.COMMON_NAMES)]
    p["name"][a] = common
    p["name"][b] = common
    p["male"][a] = p["male"][b] = np.array([c[-1] in "伟洋" for c in common], dtype=bool)
    p["birth"][b] = p["birth"][a] - (p["birth"][a] % 365) + rng.integers(0, 360, k)
    kinds = np.repeat(["twins", "parent_child_same_name", "same_name_birth_year"], k)
    return pd.DataFrame(
        {"person_a": picks[:, :, 0].ravel(), "person_b": picks[:, :, 1].ravel(), "kind": kinds}
    )


def make_cohort(rng: np.random.Generator, n: int, start: int, end: int) -> Cohort:
    """Draw n registered patients of the district with everything the three systems hold."""
    cols = _people(rng, n, start, end)
    hard = _hard_negatives(rng, cols, start)
    p = pd.DataFrame(cols)
    _clinical_and_family(rng, p, start)
    # each system numbers its patients in its own order, so keys say nothing across systems
    for system in ("station", "hospital", "agency"):
        p[f"{system}_no"] = rng.permutation(n) + 1
    per_street = np.bincount(p["street"], minlength=len(STREETS))
    doctors = _staff(rng, "D", np.maximum(1, np.ceil(per_street / 200)).astype(int))
    p["doctor"] = _pick_staff(rng, doctors, p["street"].to_numpy())
    workers = _staff(rng, "SW", np.maximum(1, np.ceil(per_street / 300)).astype(int))
    psych = _staff(rng, "Y", np.array([max(3, min(40, n // 2000))]))
    return Cohort(p, doctors, workers, psych, hard, start, end)


def _people(rng: np.random.Generator, n: int, start: int, end: int) -> dict[str, np.ndarray]:
    """Sex, name, birth, diagnosis, registration and home of each patient."""
    male = rng.random(n) < 0.52
    diagnosis = rng.choice(list(DIAGNOSIS_SHARES), n, p=list(DIAGNOSIS_SHARES.values()))
    age = np.clip(rng.normal(50, 14, n), 16, 90)
    age = np.where(diagnosis == "06", np.clip(age - 15, 16, 90), age)
    birth = (start - age * _YEAR).astype(np.int64) - rng.integers(0, 365, n)
    incident = rng.random(n) < 0.10
    registered = np.where(
        incident,
        rng.integers(start, max(start + 1, end - 30), n),
        start - rng.integers(30, int(15 * _YEAR), n),
    )
    registered = np.maximum(registered, birth + int(15 * _YEAR))
    street = rng.integers(0, len(STREETS), n)
    road = rng.integers(0, 3, n)
    name = np.array(names.chinese_names(rng, male), dtype=object)
    neighbourhood = rng.integers(0, 8, n)
    numbers = zip(
        street.tolist(),
        road.tolist(),
        rng.integers(1, 800, n).tolist(),
        rng.integers(1, 40, n).tolist(),
        rng.integers(101, 1202, n).tolist(),
        strict=True,
    )
    address = [f"{DISTRICT_NAME}{STREETS[s].roads[r]}{a}弄{b}号{c}室" for s, r, a, b, c in numbers]
    return {
        "male": male,
        "name": name,
        "birth": birth,
        "diagnosis": diagnosis,
        "registered": registered,
        "street": street,
        "neighbourhood": neighbourhood,
        "address": np.array(address, dtype=object),
    }


def _clinical_and_family(rng: np.random.Generator, p: pd.DataFrame, start: int) -> None:
    """Dates of diagnosis, identifiers, guardian, social facts and exits (in place)."""
    n = len(p)
    p["registered"] = np.maximum(p["registered"].to_numpy(), p["birth"].to_numpy() + 15 * 365)
    p["confirmed"] = p["registered"] - rng.integers(0, 60, n)
    p["onset"] = np.maximum(
        p["confirmed"] - (rng.gamma(2.0, 3.0, n) * _YEAR).astype(np.int64),
        p["birth"] + 12 * 365,
    )
    p["resident_id"] = ids.resident_ids(rng, p["birth"].to_numpy(), p["male"].to_numpy())
    p["phone"] = ids.phones(rng, n)
    p["guardian_relation"] = rng.choice(list(RELATIONS), n, p=list(RELATIONS.values()))
    p["guardian_name"] = names.chinese_names(rng, rng.random(n) < 0.5)
    p["guardian_phone"] = ids.phones(rng, n)
    p["ethnicity"] = np.where(rng.random(n) < 0.97, "01", rng.choice(["02", "03", "05"], n))
    p["marital"] = rng.choice(["10", "20", "30", "40"], n, p=[0.45, 0.35, 0.05, 0.15])
    p["poor"] = rng.random(n) < 0.2  # on subsistence allowance (低保)
    p["consent"] = rng.random(n) < 0.85
    begin = np.maximum(p["registered"].to_numpy(), start)
    p["death"] = _exit_day(rng, n, 0.012, begin)
    p["moved"] = _exit_day(rng, n, 0.008, begin)
    p["lost"] = _exit_day(rng, n, 0.015, begin)
    p["loss_reason"] = rng.choice(["1", "2", "3", "4", "5"], n, p=[0.3, 0.2, 0.2, 0.2, 0.1])
    p["exit"] = np.minimum(np.minimum(p["death"], p["moved"]), p["lost"])


def _pick_staff(rng: np.random.Generator, staff: pd.DataFrame, street: np.ndarray) -> np.ndarray:
    """Index into staff of a member working in each person's street."""
    counts = np.bincount(staff["street"], minlength=len(STREETS))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    picked: np.ndarray = first[street] + (rng.random(len(street)) * counts[street]).astype(int)
    return picked
