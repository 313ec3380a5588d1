"""Life course of every patient: follow-ups, classification, adherence, admissions, emergencies.

All patients are stepped together, one follow-up per step (numpy vectorised): the loop runs
as many times as the busiest patient has follow-ups, not once per patient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.config import StandardIntervals
from simulators.dates import NO_DAY

__all__ = ["LifeCourse", "simulate_life_course"]

#: Markov chain of the follow-up class (1 unstable, 2 basically stable, 3 stable).
_TRANSITIONS = np.array(
    [
        [0.30, 0.50, 0.20],  # from unstable
        [0.10, 0.45, 0.45],  # from basically stable
        [0.02, 0.08, 0.90],  # from stable
    ]
)
_INITIAL_CLASS = np.array([0.05, 0.25, 0.70])


@dataclass(frozen=True)
class LifeCourse:
    """True events of the district (day numbers since 1970-01-01)."""

    visits: pd.DataFrame  # person, day, cls, prev_cls, adherence, vtype, risk, hosp, last_discharge
    admissions: (
        pd.DataFrame
    )  # person, admitted, discharged (NO_DAY: still in at the end), readmission
    emergencies: pd.DataFrame  # person, day, risk, admitted


def _interval(
    rng: np.random.Generator,
    cls: np.ndarray,
    prev: np.ndarray,
    lapser: np.ndarray,
    rules: StandardIntervals,
) -> np.ndarray:
    """Days to the next follow-up: within what the class allows, except for lapses."""
    n = len(cls)
    allowed = np.select(
        [cls == 1, (cls == 2) & (prev != 2), cls == 2],
        [rules.unstable, rules.basically_stable_first, rules.basically_stable_repeat],
        rules.stable,
    )
    days = allowed - (rng.random(n) * np.minimum(allowed // 3, 12)).astype(np.int64)
    lapse = rng.random(n) < np.where(lapser, 0.25, 0.02)
    stretched = (allowed * rng.uniform(1.3, 3.0, n)).astype(np.int64)
    return np.where(lapse, stretched, days)


def _risk(rng: np.random.Generator, cls: np.ndarray) -> np.ndarray:
    """Risk level consistent with the class (unstable 3-5 or symptoms, basic 1-2 or 0)."""
    n = len(cls)
    high = rng.choice([3, 4, 5], n, p=[0.6, 0.3, 0.1])
    low = rng.choice([1, 2], n, p=[0.7, 0.3])
    by_symptoms = rng.random(n) < 0.3  # unstable or basic for symptoms/insight, not risk
    return np.select(
        [cls == 1, cls == 2],
        [np.where(by_symptoms, low, high), np.where(by_symptoms, 0, low)],
        0,
    )


def _adherence(rng: np.random.Generator, propensity: np.ndarray, cls: np.ndarray) -> np.ndarray:
    """1 regular, 2 intermittent, 3 not taking (4 not needed is set per patient)."""
    u = rng.random(len(cls))
    p_reg = propensity - np.where(cls == 1, 0.15, 0.0)
    return np.where(u < p_reg, 1, np.where(u < p_reg + (1 - p_reg) * 0.6, 2, 3))


def _visit_type(rng: np.random.Generator, cls: np.ndarray) -> np.ndarray:
    u = rng.random(len(cls))
    clinic = np.where(cls == 1, 0.3, 0.4)
    home = np.where(cls == 1, 0.9, 0.75)
    return np.where(u < clinic, 1, np.where(u < home, 2, 3))


@dataclass
class _State:
    """Where each patient stands while stepping (arrays indexed by person)."""

    cls: np.ndarray  # class at the last visit (before the first: the initial class)
    prev: np.ndarray  # class at the visit before (0: no visit yet, -1: the first visit)
    nxt: np.ndarray  # day of the next visit
    stop: np.ndarray  # first day without follow-up (exit or the end)
    lapser: np.ndarray  # prone to lapses
    propensity: np.ndarray  # chance of taking medication regularly, drifting
    no_drugs: np.ndarray  # needs no medication
    last_discharge: np.ndarray
    seen_discharge: np.ndarray  # last discharge already reported at a visit


@dataclass
class _Log:
    """Events as they are drawn, step by step."""

    visits: list[dict[str, np.ndarray]] = field(default_factory=list)
    stays: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    events: list[tuple[np.ndarray, ...]] = field(default_factory=list)


def _initial_state(
    rng: np.random.Generator,
    persons: pd.DataFrame,
    start: int,
    end: int,
) -> _State:
    n = len(persons)
    registered = persons["registered"].to_numpy()
    stop = np.minimum(persons["exit"].to_numpy(), end)
    cls = rng.choice([1, 2, 3], n, p=_INITIAL_CLASS)
    first = np.where(registered >= start, registered + rng.integers(0, 14, n), start)
    nxt = first + np.where(registered >= start, 0, rng.integers(0, 80, n))
    lapser = rng.random(n) < 0.10
    # most patients take their medication reliably, a minority drift in and out of it
    # (Beta(5, 2) to the power 1/4: mean about 0.9 with a long lower tail)
    propensity = rng.beta(5, 2, n) ** 0.25
    no_drugs = rng.random(n) < 0.03
    never = np.full(n, NO_DAY, dtype=np.int64)
    return _State(
        cls,
        np.zeros(n, dtype=np.int64),
        nxt,
        stop,
        lapser,
        propensity,
        no_drugs,
        never,
        never.copy(),
    )


def simulate_life_course(
    rng: np.random.Generator,
    persons: pd.DataFrame,
    start: int,
    end: int,
    rules: StandardIntervals,
) -> LifeCourse:
    """Step every patient from registration (or the start) to exit or the end."""
    state = _initial_state(rng, persons, start, end)
    log = _Log()
    active = np.flatnonzero(state.nxt < state.stop)
    while len(active):
        _visit_each(rng, state, active, rules, log)
        active = active[state.nxt[active] < state.stop[active]]
    return LifeCourse(
        _frame_visits(log.visits), _frame_stays(log.stays, end), _frame_events(log.events)
    )


def _visit_each(
    rng: np.random.Generator, s: _State, active: np.ndarray, rules: StandardIntervals, log: _Log
) -> None:
    """One follow-up for each active patient, and what follows from it."""
    day = s.nxt[active]
    new_cls = _step_class(rng, s.cls[active], s.prev[active] == 0)
    s.prev[active] = np.where(s.prev[active] == 0, -1, s.cls[active])
    s.cls[active] = new_cls
    adherence = np.where(s.no_drugs[active], 4, _adherence(rng, s.propensity[active], new_cls))
    s.propensity[active] = np.clip(
        s.propensity[active] + rng.normal(0, 0.02, len(active)), 0.05, 0.995
    )
    ld = s.last_discharge[active]
    hosp = np.where(ld > s.seen_discharge[active], 2, 0)
    s.seen_discharge[active] = ld
    risk = _risk(rng, new_cls)
    log.visits.append(
        {
            "person": active,
            "day": day,
            "cls": new_cls,
            "prev_cls": s.prev[active].copy(),
            "adherence": adherence,
            "vtype": _visit_type(rng, new_cls),
            "risk": risk,
            "hosp": hosp,
            "last_discharge": np.where(hosp == 2, ld, NO_DAY),
        }
    )
    gap = _interval(rng, new_cls, s.prev[active], s.lapser[active], rules)
    # unstable: help with admission; basically stable: now and then to adjust medication
    admit = rng.random(len(active)) < np.select([new_cls == 1, new_cls == 2], [0.5, 0.02], 0.0)
    emergency = (risk >= 3) & (rng.random(len(active)) < 0.4)
    log.events.append(
        (
            active[emergency],
            day[emergency] - rng.integers(0, 3, emergency.sum()),
            risk[emergency],
            admit[emergency],
        )
    )
    back = _admissions(rng, active[admit], day[admit], log.stays)
    s.last_discharge[active[admit]] = back
    after = back + np.where(
        rng.random(len(back)) < 0.85,
        rng.integers(2, 15, len(back)),
        rng.integers(15, 41, len(back)),
    )
    gap[admit] = after - day[admit]
    s.nxt[active] = day + gap


def _step_class(rng: np.random.Generator, cls: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Next class by the Markov chain; a patient's first visit keeps the initial class."""
    u = rng.random(len(cls))
    cum = np.cumsum(_TRANSITIONS, axis=1)[cls - 1]
    drawn = 1 + (u[:, None] > cum).sum(axis=1)
    return np.where(first, cls, np.minimum(drawn, 3))


def _admissions(
    rng: np.random.Generator, who: np.ndarray, day: np.ndarray, stays: list[tuple[np.ndarray, ...]]
) -> np.ndarray:
    """Admit soon after the visit; some are readmitted within 30 days. Returns last discharge."""
    k = len(who)
    admitted = day + rng.integers(0, 4, k)
    discharged = admitted + 14 + rng.gamma(2.0, 15.0, k).astype(np.int64)
    stays.append((who, admitted, discharged, np.zeros(k, dtype=bool)))
    again = rng.random(k) < 0.08
    readmitted = discharged[again] + rng.integers(3, 31, again.sum())
    re_discharged = readmitted + 10 + rng.gamma(2.0, 10.0, again.sum()).astype(np.int64)
    stays.append((who[again], readmitted, re_discharged, np.ones(again.sum(), dtype=bool)))
    out = discharged.copy()
    out[again] = re_discharged
    return out


def _frame_visits(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    cols = (
        "person",
        "day",
        "cls",
        "prev_cls",
        "adherence",
        "vtype",
        "risk",
        "hosp",
        "last_discharge",
    )
    if not parts:
        return pd.DataFrame({c: np.array([], dtype=np.int64) for c in cols})
    frame = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in cols})
    return frame.sort_values(["person", "day"], kind="stable").reset_index(drop=True)


def _frame_stays(parts: list[tuple[np.ndarray, ...]], end: int) -> pd.DataFrame:
    cols = ("person", "admitted", "discharged", "readmission")
    data = [np.concatenate([p[i] for p in parts]) if parts else np.array([], int) for i in range(4)]
    frame = pd.DataFrame(dict(zip(cols, data, strict=True)))
    frame = frame[frame["admitted"] < end].copy()
    frame.loc[frame["discharged"] >= end, "discharged"] = NO_DAY
    frame["readmission"] = frame["readmission"].astype(bool)
    return frame.sort_values(["person", "admitted"], kind="stable").reset_index(drop=True)


def _frame_events(parts: list[tuple[np.ndarray, ...]]) -> pd.DataFrame:
    cols = ("person", "day", "risk", "admitted")
    data = [np.concatenate([p[i] for p in parts]) if parts else np.array([], int) for i in range(4)]
    frame = pd.DataFrame(dict(zip(cols, data, strict=True)))
    frame["admitted"] = frame["admitted"].astype(bool)
    return frame.sort_values(["person", "day"], kind="stable").reset_index(drop=True)
