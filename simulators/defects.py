"""Data-quality defects injected into native tables and documents, each one labelled.

A row (or document) gets at most one defect. The label names the source system, record
kind, source key, defect kind, the native field and a severity: ``fatal`` when the record
cannot be used as it is (it should be quarantined), ``warning`` when it can be used with care.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the env

from simulators.config import DefectConfig

__all__ = ["SEVERITY", "DefectLog", "inject_docs", "inject_table", "mojibake"]

SEVERITY = {
    "missing_required": "fatal",
    "out_of_range": "fatal",
    "impossible_date": "fatal",
    "unknown_code": "fatal",
    "duplicate_row": "warning",
    "encoding_damage": "warning",
    "truncated_file": "fatal",
    "malformed_segment": "fatal",
    # cross-source (simulators/crosssource.py): sound alone, implausible beside other records
    "follow_up_during_stay": "warning",
    "discharge_before_admission": "fatal",  # the record cannot be used as it is
    "high_risk_without_action": "warning",
    "scale_total_mismatch": "warning",
    "visits_after_death": "warning",
}
#: Row-level defect kinds applied by field, in this order (encoding and duplicates follow).
_FIELD_DEFECTS = ("missing_required", "out_of_range", "impossible_date", "unknown_code")

Mutation = Callable[[Any], Any]
#: Record kind -> defect kind -> (native field, how the value is damaged).
SPECS: dict[str, dict[str, tuple[str, Mutation]]] = {
    "station.registration": {
        "missing_required": ("诊断", lambda v: ""),
        "out_of_range": ("失访原因", lambda v: "8"),
        "impossible_date": ("建档日期", lambda v: v[:5] + "02-30"),
        "unknown_code": ("性别", lambda v: "5"),
        "encoding_damage": ("姓名", lambda v: v),
    },
    "station.follow_up": {
        "missing_required": ("随访日期", lambda v: ""),
        "out_of_range": ("危险性评估", lambda v: "7"),
        "impossible_date": ("随访日期", lambda v: "1899-" + v[5:]),  # before any birth
        "unknown_code": ("服药依从性", lambda v: "8"),
        "encoding_damage": ("随访医生", lambda v: v),
    },
    "station.emergency": {
        "missing_required": ("发生时间", lambda v: ""),
        "out_of_range": ("危险性等级", lambda v: "9"),
        "impossible_date": ("发生时间", lambda v: v[:5] + "13" + v[7:]),
        "unknown_code": ("处置措施", lambda v: v + ",9"),
        "encoding_damage": ("事件描述", lambda v: v),
    },
    "station.care_team_member": {
        "missing_required": ("姓名", lambda v: ""),
        "out_of_range": ("加入日期", lambda v: "2999" + v[4:]),
        "impossible_date": ("加入日期", lambda v: v[:5] + "02-31"),
        "unknown_code": ("角色", lambda v: "保安"),
        "encoding_damage": ("姓名", lambda v: v),
    },
    "hospital.patient": {
        "missing_required": ("pat_name", lambda v: ""),
        "out_of_range": ("birth_dt", lambda v: "2999" + v[4:] if v else "2999-01-01"),
        "impossible_date": ("birth_dt", lambda v: "1970-02-30"),
        "unknown_code": ("sex_code", lambda v: "X"),
        "encoding_damage": ("address", lambda v: v),
    },
    "hospital.admission": {
        "missing_required": ("adm_time", lambda v: ""),
        "out_of_range": ("treat_effect", lambda v: "7"),
        "impossible_date": ("dis_time", lambda v: "1999-01-01 00:00:00"),  # before admission
        "unknown_code": ("dis_way", lambda v: "8"),
        "encoding_damage": ("rehab_advice", lambda v: v or "社区康复"),
    },
    "hospital.diagnosis": {
        "missing_required": ("icd10", lambda v: ""),
        "out_of_range": ("diag_type", lambda v: "7"),
        "impossible_date": ("diag_time", lambda v: v[:5] + "02-30" + v[10:]),
        "unknown_code": ("icd10", lambda v: "F20.X"),
        "encoding_damage": ("diag_name", lambda v: v),
    },
    "hospital.medication_order": {
        "missing_required": ("drug_code", lambda v: ""),
        "out_of_range": ("dose", lambda v: -10.0),
        "impossible_date": ("order_time", lambda v: v[:5] + "13" + v[7:]),
        "unknown_code": ("drug_code", lambda v: "YP9999"),
        "encoding_damage": ("drug_name", lambda v: v),
    },
    "hospital.scale_assessment": {
        "missing_required": ("scale_code", lambda v: ""),
        "out_of_range": ("items_json", lambda v: v.replace('"1": ', '"1": 9, "_": ', 1)),
        "impossible_date": ("assess_time", lambda v: v[:5] + "02-30" + v[10:]),
        "unknown_code": ("scale_code", lambda v: "HAMD"),
    },
}
#: Agency collections: the date field, code field and ranged field of each kind.
_AGENCY = {
    "agency.case": ("intake_date", "status", ("birth_date", "2999-01-01")),
    "agency.needs_assessment": ("assessed_on", None, None),
    "agency.scale": ("assessed_on", "scale", ("items", None)),
    "agency.care_plan": ("created_on", "status", None),
    "agency.contact": ("contact_at", "mode", ("duration_minutes", -30)),
    "agency.intervention": ("performed_on", "kind_code", None),
    "agency.supervision": ("started_on", "status", None),
    "agency.closure": ("closed_on", "reason", ("goals_achieved", 99)),
}


def mojibake(text: str) -> str:
    """Text as it looks after its UTF-8 bytes were read as Latin-1 (encoding damage)."""
    return text.encode("utf-8").decode("latin-1")


@dataclass
class DefectLog:
    """Every injected defect, in injection order."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        system: str,
        kind: str,
        key: str | None,
        defect: str,
        field_name: str | None,
        file: str | None = None,
    ) -> None:
        """Label one defect."""
        self.rows.append(
            {
                "source_system": system,
                "record_kind": kind,
                "source_key": key,
                "file": file,
                "defect": defect,
                "field": field_name,
                "severity": SEVERITY[defect],
            }
        )

    def forget(self, kind: str, keys: set[str]) -> None:
        """Drop the labels of records that never reached the bytes (lost to a truncation)."""
        self.rows = [
            r
            for r in self.rows
            if r["record_kind"] != kind or r["source_key"] not in keys or r["file"] is not None
        ]

    def counts(self) -> dict[str, int]:
        """Number of defects by kind."""
        out: dict[str, int] = {}
        for row in self.rows:
            out[row["defect"]] = out.get(row["defect"], 0) + 1
        return dict(sorted(out.items()))


def _pick(
    rng: np.random.Generator,
    n: int,
    config: DefectConfig,
    kinds: tuple[str, ...],
) -> dict[str, np.ndarray]:
    """Disjoint sets of row positions for each defect kind."""
    order = rng.permutation(n)
    chosen, at = {}, 0
    for kind in kinds:
        k = int(rng.binomial(n, getattr(config, kind))) if n else 0
        chosen[kind] = np.sort(order[at : at + k])
        at += k
    return chosen


def inject_table(
    rng: np.random.Generator,
    system: str,
    kind: str,
    key: str,
    table: pd.DataFrame,
    config: DefectConfig,
    log: DefectLog,
) -> pd.DataFrame:
    """Damage rows of a native table; the rows stay in place, duplicates follow their row.

    Encoding damage is marked in a ``_damage`` column (the field name) and done by the writer,
    which knows the bytes; in text stored as UTF-8 it shows as mojibake.
    """
    spec = SPECS.get(kind, {})
    kinds = tuple(k for k in (*_FIELD_DEFECTS, "encoding_damage") if k in spec)
    picks = _pick(rng, len(table), config, (*kinds, "duplicate_row"))
    table = table.copy()
    table["_damage"] = pd.Series("", index=table.index, dtype=object)
    keys = table[key].to_numpy()
    for defect in kinds:
        column, mutate = spec[defect]
        rows = picks[defect]
        if not len(rows):
            continue
        pos = table.columns.get_loc(column)
        if defect == "encoding_damage":
            table.iloc[rows, table.columns.get_loc("_damage")] = column
        else:
            table.iloc[rows, pos] = [mutate(v) for v in table.iloc[rows, pos].tolist()]
        for r in rows.tolist():
            log.add(system, kind, str(keys[r]), defect, column)
    dups = picks["duplicate_row"]
    for r in dups.tolist():
        log.add(system, kind, str(keys[r]), "duplicate_row", None)
    if len(dups):
        order = np.sort(np.concatenate([np.arange(len(table)), dups]), kind="stable")
        table = table.iloc[order].reset_index(drop=True)
    return table


def _agency_mutation(kind: str, defect: str) -> tuple[str, Mutation] | None:
    date_field, code_field, ranged = _AGENCY[kind]
    if defect == "missing_required":
        return date_field, lambda v: None
    if defect == "impossible_date":
        return date_field, lambda v: v[:5] + "02-30" + v[10:] if v else v
    if defect == "unknown_code" and code_field:
        return code_field, lambda v: "unknown_value"
    if defect == "out_of_range" and ranged:
        name, value = ranged
        if name == "items":
            return (
                name,
                lambda items: (
                    {**items, "3": 3} if "10" in items and "5A" not in items else {**items, "5A": 6}
                ),
            )
        return name, lambda v: value
    if defect == "encoding_damage" and kind == "agency.case":
        return "name", mojibake
    return None


def inject_docs(
    rng: np.random.Generator,
    kind: str,
    key: str,
    docs: list[dict[str, Any]],
    persons: list[int],
    config: DefectConfig,
    log: DefectLog,
) -> tuple[list[dict[str, Any]], list[int]]:
    """Damage agency documents; a duplicate is the same content under a new id."""
    kinds = tuple(k for k in (*_FIELD_DEFECTS, "encoding_damage") if _agency_mutation(kind, k))
    picks = _pick(rng, len(docs), config, (*kinds, "duplicate_row"))
    for defect in kinds:
        mutation = _agency_mutation(kind, defect)
        assert mutation is not None
        name, mutate = mutation
        for r in picks[defect].tolist():
            docs[r][name] = mutate(docs[r][name])
            log.add("agency", kind, str(docs[r][key]), defect, name)
    extra_docs, extra_persons = [], []
    for r in picks["duplicate_row"].tolist():
        copy = {**docs[r], key: f"{docs[r][key]}-D"}
        extra_docs.append(copy)
        extra_persons.append(persons[r])
        log.add("agency", kind, copy[key], "duplicate_row", None)
    return docs + extra_docs, persons + extra_persons


def defect_fields() -> tuple[str, ...]:
    """Names of the configurable defect kinds."""
    return tuple(f.name for f in fields(DefectConfig))
