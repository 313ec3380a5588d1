"""The entry point: simulate a district and write its three source systems and ground truth."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env
import tomli_w

from simulators import adt, casework, cohort, gaptruth, hospital, lifecourse, station, truth
from simulators.agency.store import append_docs, close_store, open_store
from simulators.config import DefectConfig, NoiseConfig, SimulationSummary, StandardIntervals
from simulators.crosssource import (
    LifeEvents,
    admission_defects,
    follow_up_defects,
    scale_total_defects,
)
from simulators.dates import day_number, iso_dates
from simulators.defects import DefectLog, inject_docs, inject_table
from simulators.district import DISTRICT_CODE, DISTRICT_NAME
from simulators.noise import apply_noise
from simulators.parallel import beside
from simulators.writers import (
    csv_bytes,
    truncate,
    with_mojibake,
    write_bytes,
    write_his,
    write_xlsx,
)

__all__ = ["DEFAULT_START", "simulate"]

DEFAULT_START = date(2023, 1, 1)
#: From this many patients on, the station exports are written in a second process by default.
#: Starting it (a fresh interpreter importing pandas) costs about 1.2 s. Whole runs, serial
#: against parallel, on two cores: 1,000 patients 0.8 / 1.8 s, 5,000 2.5 / 2.7 s, 8,000
#: 4.1 / 3.7 s, 20,000 8.0-8.5 / 6.0-6.7 s (/tmp/exp/partime.py, session 6).
PARALLEL_FROM = 8_000
#: Station export kinds written as XLSX; the others are GB18030 CSV.
XLSX_KINDS = ("基本信息", "关爱帮扶小组")


@dataclass
class _Run:
    """What a run accumulates while writing."""

    out: Path
    records: list[pd.DataFrame] = field(default_factory=list)  # system, kind, key, person
    defects: DefectLog = field(default_factory=DefectLog)
    noise: list[pd.DataFrame] = field(default_factory=list)
    scores: list[pd.DataFrame] = field(default_factory=list)  # true scale scores, risk levels
    cases: list[pd.DataFrame] = field(default_factory=list)  # true cases and plans (gap truth)
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    size: int = 0

    def note(self, system: str, kind: str, keys: Any, persons: Any) -> None:
        """Remember which true person is behind each emitted record."""
        frame = pd.DataFrame(
            {
                "source_key": np.asarray(keys, dtype=object),
                "person_id": np.asarray(persons, dtype=np.int64),
            }
        )
        frame.insert(0, "record_kind", kind)
        frame.insert(0, "source_system", system)
        self.records.append(frame)
        self.counts[kind] = self.counts.get(kind, 0) + len(frame)

    def merge(self, other: _Run) -> _Run:
        """This run followed by another (in that order, so the truth files keep their order)."""
        merged = _Run(
            self.out,
            self.records + other.records,
            DefectLog(self.defects.rows + other.defects.rows),
            self.noise + other.noise,
            self.scores + other.scores,
            self.cases + other.cases,
            {**self.counts, **other.counts},
            self.files + other.files,
            self.size + other.size,
        )
        return merged

    def wrote(self, data: bytes) -> None:
        """Count one written file."""
        self.files += 1
        self.size += len(data)


class _Clock:
    """Seconds spent per phase (reported, never written to the output)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _rng(seed: int, part: int) -> np.random.Generator:
    """An independent stream per part, so adding a part never shifts the others."""
    return np.random.default_rng([seed, part])


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def simulate(
    patients: int,
    years: int,
    seed: int,
    out: Path,
    *,
    start: date | None = None,
    noise: NoiseConfig | None = None,
    defects: DefectConfig | None = None,
    rules: StandardIntervals | None = None,
    agency_faults: str = "",
    parallel: bool | None = None,
) -> SimulationSummary:
    """Simulate ``patients`` registered patients over ``years`` and write everything to ``out``.

    ``parallel`` writes the station exports in a second process beside the rest (same bytes);
    ``None`` does so from ``PARALLEL_FROM`` patients on, where it pays for starting the process.
    """
    began = time.perf_counter()
    if not 1 <= patients <= 500_000 or not 1 <= years <= 20:
        raise ValueError("patients must be 1..500000 and years 1..20")
    noise, defects = noise or NoiseConfig(), defects or DefectConfig()
    rules = rules or StandardIntervals()
    first = start or DEFAULT_START
    begin, end = day_number(first), day_number(_add_years(first, years))
    out = Path(out).resolve()
    for folder in ("hospital/adt", "station/exports", "agency", "truth"):
        (out / folder).mkdir(parents=True, exist_ok=True)  # even when a system has no files
    clock = _Clock()
    people, life = _district(seed, patients, begin, end, rules)
    clock.lap("cohort_and_life_course")
    if parallel is None:
        parallel = patients >= PARALLEL_FROM
    shape = _Shape(out, seed, patients, begin, end, noise, defects, rules)
    run = _sources(shape, people, life, parallel)
    clock.lap("sources")
    run.size += truth.write_truth(
        run.out / "truth",
        people,
        life,
        run.records,
        run.defects,
        run.noise,
        rules,
        run.scores,
        cases=run.cases,
    )
    _write_sources(out, agency_faults)
    clock.lap("truth")
    return SimulationSummary(
        out=out,
        seed=seed,
        patients=patients,
        start=first,
        end=_add_years(first, years),
        records=run.counts,
        defects=run.defects.counts(),
        files=run.files,
        bytes_written=run.size,
        seconds=round(time.perf_counter() - began, 3),
        timings=clock.laps,
    )


@dataclass(frozen=True)
class _Shape:
    """Everything a simulation is drawn from (small and picklable, unlike what is drawn)."""

    out: Path
    seed: int
    patients: int
    begin: int
    end: int
    noise: NoiseConfig
    defects: DefectConfig
    rules: StandardIntervals


def _district(
    seed: int, patients: int, begin: int, end: int, rules: StandardIntervals
) -> tuple[cohort.Cohort, lifecourse.LifeCourse]:
    """The people and their life courses: the same for the same seed, in any process."""
    people = cohort.make_cohort(_rng(seed, 1), patients, begin, end)
    life = lifecourse.simulate_life_course(_rng(seed, 2), people.persons, begin, end, rules)
    return people, life


def _station_part(
    shape: _Shape,
    drawn: tuple[cohort.Cohort, lifecourse.LifeCourse] | None = None,
) -> _Run:
    """The station's exports; a process of its own draws the district again (cheap, same)."""
    s = shape
    people, life = drawn or _district(s.seed, s.patients, s.begin, s.end, s.rules)
    part = _Run(s.out)
    _station(part, s.seed, people, life, s.noise, s.defects, s.rules)
    return part


def _sources(
    shape: _Shape,
    people: cohort.Cohort,
    life: lifecourse.LifeCourse,
    parallel: bool,
) -> _Run:
    """Write the three systems; the station (the largest) beside the other two on two cores."""

    def other_parts() -> _Run:
        part = _Run(shape.out)
        _hospital(part, shape.seed, people, life, shape.noise, shape.defects)
        _agency(part, shape.seed, people, shape.noise, shape.defects)
        return part

    station = (
        partial(_station_part, shape) if parallel else partial(_station_part, shape, (people, life))
    )
    station_run, other_run = beside(station, other_parts, parallel=parallel)
    return station_run.merge(other_run)


def _station(
    run: _Run,
    seed: int,
    people: cohort.Cohort,
    life: lifecourse.LifeCourse,
    noise: NoiseConfig,
    defects: DefectConfig,
    rules: StandardIntervals,
) -> None:
    rng = _rng(seed, 10)
    registrations, ident = station.build_registrations(rng, people, noise)
    keys = registrations["登记编号"].to_numpy()[: len(people.persons)]
    run.noise.append(truth.noise_frame("station", "station.registration", keys, ident.log))
    tables = {
        "基本信息": registrations,
        "应急处置": station.build_emergencies(rng, people, life),
        "关爱帮扶小组": station.build_care_team(rng, people),
    }
    damage = _rng(seed, 11)
    for export, table in tables.items():
        kind, key = station.STATION_KEYS[export]
        if export == "应急处置":
            run.scores.append(truth.risk_levels("station", kind, table[key], table["危险性等级"]))
        table = inject_table(damage, "station", kind, key, table, defects, run.defects)
        for month, rows in _by_month(table["_month"].to_numpy(dtype=object).astype(str)):
            _station_file(run, damage, export, month, table.iloc[rows], defects)
    _follow_up_files(run, seed, people, life, defects, rules)


def _by_month(months: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Row positions per ``YYYYMM``, months in order, rows in their order."""
    if not len(months):
        return []
    order = np.argsort(months, kind="stable")
    labels, starts = np.unique(months[order], return_index=True)
    return list(zip((str(m) for m in labels), np.split(order, starts[1:]), strict=True))


def _follow_up_files(
    run: _Run,
    seed: int,
    people: cohort.Cohort,
    life: lifecourse.LifeCourse,
    defects: DefectConfig,
    rules: StandardIntervals,
) -> None:
    """随访记录, built and written one month at a time: the largest table never sits whole
    in memory. Visit ids follow the (person, date) order of the whole life course."""
    kind, key = station.STATION_KEYS["随访记录"]
    regimens = station.drug_regimens(_rng(seed, 12), len(people.persons))
    months = station.month_of(life.visits["day"].to_numpy())
    events = LifeEvents.build(
        life.visits, life.admissions, life.emergencies, people.persons, people.end
    )
    for i, (month, rows) in enumerate(_by_month(months)):
        rng = _rng(seed, 1000 + i)
        visits = life.visits.iloc[rows]
        table = station.build_follow_ups(
            rng, people, visits, rules, numbers=rows + 1, regimens=regimens
        )
        risks = truth.risk_levels("station", kind, table[key], table["危险性评估"])
        table["_visit"] = rows  # each row's visit in the life course (duplicates keep theirs)
        table = inject_table(rng, "station", kind, key, table, defects, run.defects)
        # its own stream, so the row defects and the files stay as they were without it
        cross = _rng(seed, 100_000 + i)
        raised = follow_up_defects(cross, table, events, defects, run.defects)
        # a risk raised to 3 is the record's true level: only the missing action is wrong
        risks.loc[risks["source_key"].isin(raised), "value"] = 3
        run.scores.append(risks)
        _station_file(run, rng, "随访记录", month, table, defects)


def _station_file(
    run: _Run,
    rng: np.random.Generator,
    export: str,
    month: str,
    part: pd.DataFrame,
    defects: DefectConfig,
) -> None:
    """One monthly export file; a CSV may come truncated (the rows after the cut are lost)."""
    kind, key = station.STATION_KEYS[export]
    folder = run.out / "station" / "exports"
    if export in XLSX_KINDS:
        stamp = f"{month[:4]}-{month[4:]}-28T16:00:00Z"
        path = folder / f"{export}_{month}.xlsx"
        run.wrote(write_xlsx(path, with_mojibake(part), sheet=export, stamp=stamp))
    else:
        path = folder / f"{export}_{month}.csv"
        data = csv_bytes(part)
        if rng.random() < defects.truncated_file:
            data, cut = truncate(data, float(rng.random()))
            if cut >= 0:
                run.defects.forget(kind, {str(k) for k in part[key].iloc[cut + 1 :]})
                part = part.iloc[: cut + 1]
                run.defects.add(
                    "station",
                    kind,
                    str(part[key].iloc[-1]),
                    "truncated_file",
                    None,
                    file=str(path.relative_to(run.out)),
                )
        run.wrote(write_bytes(path, data))
    run.note("station", kind, part[key].to_numpy(), part["_person"].to_numpy())


def _hospital(
    run: _Run,
    seed: int,
    people: cohort.Cohort,
    life: lifecourse.LifeCourse,
    noise: NoiseConfig,
    defects: DefectConfig,
) -> None:
    tables = hospital.build_hospital(_rng(seed, 20), people, life, noise)
    keys = tables.views["v_patient"]["pat_id"].to_numpy()
    run.noise.append(truth.noise_frame("hospital", "hospital.patient", keys, tables.ident.log))
    messages = adt.build_adt(_rng(seed, 21), tables)  # from the views before any defect
    rng, cross = _rng(seed, 22), _rng(seed, 23)
    for view, table in tables.views.items():
        kind, key = hospital.HIS_KEYS[view]
        if view == "v_scale_assessment":
            run.scores.append(truth.ward_scores(kind, table))
        table = inject_table(rng, "hospital", kind, key, table, defects, run.defects)
        if view == "v_admission":
            admission_defects(cross, table, defects, run.defects)
        elif view == "v_scale_assessment":
            scale_total_defects(cross, table, defects, run.defects)
        tables.views[view] = with_mojibake(table)
        run.note("hospital", kind, table[key].to_numpy(), table["_person"].to_numpy())
    path = run.out / "hospital" / "his.sqlite"
    write_his(path, tables.views)
    run.wrote(path.read_bytes())
    _adt_files(run, rng, messages, defects)


def _adt_files(
    run: _Run, rng: np.random.Generator, messages: list[adt.AdtMessage], defects: DefectConfig
) -> None:
    """Daily batch files; some messages malformed, some files cut in the middle of a message."""
    broken = rng.random(len(messages)) < defects.malformed_segment
    by_day: dict[str, list[adt.AdtMessage]] = {}
    for i, message in enumerate(messages):
        if broken[i]:
            message, where = adt.malformed(message, int(rng.integers(0, 3)))
            run.defects.add(
                "hospital", "hospital.adt", message.control_id, "malformed_segment", where
            )
        by_day.setdefault(message.event_time[:8], []).append(message)
    folder = run.out / "hospital" / "adt"
    for day, batch in by_day.items():
        path = folder / day[:4] / f"ADT_{day}.hl7"
        text = adt.batch_file(day, batch)
        if len(batch) > 1 and rng.random() < defects.truncated_file:
            keep = int(rng.integers(0, len(batch)))  # the file ends inside this message
            head = adt.batch_file(day, batch[: keep + 1])
            text = head[: head.rindex("\rPID|") + 20]  # MSH and EVN whole, PID cut short
            run.defects.forget("hospital.adt", {m.control_id for m in batch[keep + 1 :]})
            batch = batch[: keep + 1]
            where = str(path.relative_to(run.out))
            run.defects.add(
                "hospital", "hospital.adt", batch[-1].control_id, "truncated_file", None, where
            )
        run.wrote(write_bytes(path, text.encode("utf-8")))
        ids, persons = [m.control_id for m in batch], [m.person for m in batch]
        run.note("hospital", "hospital.adt", ids, persons)


def _agency(
    run: _Run, seed: int, people: cohort.Cohort, noise: NoiseConfig, defects: DefectConfig
) -> None:
    """Case records a batch of cases at a time: noise, defects, then into the data file."""
    rng = _rng(seed, 30)
    path = run.out / "agency" / "agency.sqlite"
    store = open_store(path)
    p = people.persons
    for work in casework.casework_batches(rng, p, people.workers, people.start, people.end):
        _agency_identity(run, rng, p, work, noise)
        run.cases.append(gaptruth.casework_frame(work.docs, work.persons))  # before defects
        for collection, (kind, key) in casework.COLLECTIONS.items():
            docs, persons = work.docs.get(collection, []), work.persons.get(collection, [])
            true_items = [(d[key], d["scale"], d["items"]) for d in docs if kind == "agency.scale"]
            docs, persons = inject_docs(rng, kind, key, docs, persons, defects, run.defects)
            if kind == "agency.scale":
                run.scores.append(truth.agency_scores(kind, key, true_items, docs))
            run.note("agency", kind, [d[key] for d in docs], persons)
            append_docs(store, collection, docs)
    close_store(store)
    run.wrote(path.read_bytes())


def _agency_identity(
    run: _Run,
    rng: np.random.Generator,
    p: pd.DataFrame,
    work: casework.Casework,
    noise: NoiseConfig,
) -> None:
    """The agency's own spelling of each case's person (pinyin names among others)."""
    cases, case_persons = work.docs.get("cases", []), work.persons.get("cases", [])
    ident = apply_noise(rng, p.iloc[case_persons], noise, pinyin=True)
    births = iso_dates(ident.birth)
    for i, doc in enumerate(cases):
        doc.update(
            name=ident.name[i],
            birth_date=births[i],
            resident_id=ident.resident_id[i] or None,
            phone=ident.phone[i],
        )
    keys = np.array([d["case_id"] for d in cases], dtype=object)
    run.noise.append(truth.noise_frame("agency", "agency.case", keys, ident.log))


def _write_sources(out: Path, faults: str) -> None:
    """``sources.toml``: where the hub's connectors find each simulated system."""
    config = {
        "district": {"code": DISTRICT_CODE, "name": DISTRICT_NAME},
        "sources": {
            "hospital_db": {
                "kind": "hospital_db",
                "url": f"sqlite:///{out / 'hospital' / 'his.sqlite'}",
            },
            "hospital_adt": {"kind": "hospital_adt", "directory": str(out / "hospital" / "adt")},
            "station": {"kind": "station_files", "directory": str(out / "station" / "exports")},
            "agency": {
                "kind": "agency_api",
                "base_url": "",
                "token_env": "HUB_SOURCE_AGENCY_TOKEN",
                "simulator": {"data": str(out / "agency" / "agency.sqlite"), "faults": faults},
            },
        },
    }
    (out / "sources.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
