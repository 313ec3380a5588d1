"""A simulated district synced through the gate, scored on its cross-source defect labels.

Shared by ``tests/quality/test_cross_source_district.py`` and ``bench/quality.py``. A record
with neither a defect label nor identity noise is clean. A record counts as flagged when
the ingest's gate found anything on it (raw or FHIR checks), when it is still held in
quarantine for a reason of its own (parked behind a held parent is not its own), or when
the cross-source pass over the store fails one of its resources (each stored resource is
traced to its source record through its Provenance).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from sqlalchemy import select

from hub.domain.codes import identifier_system
from hub.domain.records import SourceRecord
from hub.ingest.schema import quarantine
from hub.ingest.seams import Finding
from hub.quality.gate import CheckingGate
from hub.store import FhirStore
from hub.store.schema import resource
from simulators.crosssource import CROSS_SOURCE
from validation.plausibility import PlausibilityPass

__all__ = [
    "CAUGHT_BY",
    "CrossSourceScore",
    "RecordingGate",
    "caught",
    "cross_source_flags",
    "score_district",
    "sync_with",
]

Key = tuple[str, str]  # record kind, source key
#: What must flag each cross-source kind (a check id, or its last part for a raw check): a
#: cross-source check over the store, the raw total check (the hub recomputes totals from
#: the items, so the store never disagrees with them), or the quarantine (a discharge before
#: admission is refused at the raw order check).
CAUGHT_BY = {
    "follow_up_during_stay": "xsource.follow_up_during_stay",
    "discharge_before_admission": "quarantine",
    "high_risk_without_action": "xsource.high_risk_without_action",
    "scale_total_mismatch": "scale_total",
    "visits_after_death": "xsource.visits_after_death",
}


def caught(defect: str, checks: Iterable[str]) -> bool:
    """Whether the checks that flagged a record include the one that must catch the defect."""
    wanted = CAUGHT_BY[defect]
    return any(c == wanted or c.endswith(f".{wanted}") for c in checks)


class RecordingGate(CheckingGate):
    """The ingest's gate, remembering every check that found something on each record."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[Key, set[str]] = {}

    def _remember(self, record: SourceRecord, findings: Sequence[Finding]) -> None:
        if findings:
            mine = self.found.setdefault((record.kind, str(record.source_key)), set())
            mine.update(f.check for f in findings)

    def check_records(self, source: str, records: Sequence[SourceRecord]) -> list[list[Finding]]:
        """The gate's findings, remembered per record."""
        findings = super().check_records(source, records)
        for record, found in zip(records, findings, strict=True):
            self._remember(record, found)
        return findings

    def check_resources(
        self,
        record: SourceRecord,
        resources: Sequence[dict[str, Any]],
        *,
        validated: bool = False,
        text: bytes | None = None,
    ) -> list[Finding]:
        """The gate's findings, remembered per record."""
        findings = super().check_resources(record, resources, validated=validated, text=text)
        self._remember(record, findings)
        return findings


def sync_with(root: Path, store: FhirStore, gate: CheckingGate) -> None:
    """Sync every source of a simulated district through ``gate`` (agency: in process), and
    link its people as ``hub sync`` does (the cross-source pass follows the links)."""
    from connectors import connector_class
    from connectors.base import Connector
    from hub.ingest.runner import run_sync
    from hub.ingest.sources import load_sources
    from hub.wiring import identity_linker
    from tests.connectors.fake_agency import FakeAgency

    agency = FakeAgency.from_store(root / "agency" / "agency.sqlite")

    def factory(name: str, kind: str, options: dict[str, Any]) -> Connector:
        if kind == "agency_api":
            return agency.connector(name, page_size=200)
        return connector_class(kind).from_config(name, options, secret=lambda _n: None)

    reports = run_sync(
        store=store,
        config=load_sources(root / "sources.toml"),
        factory=factory,
        gate=gate,
        linker=identity_linker(store),
    )
    assert all(r.status == "succeeded" for r in reports), [r.error for r in reports]
    assert all(not (r.linked or {}).get("error") for r in reports), [r.linked for r in reports]


@dataclass
class CrossSourceScore:
    """Injected and caught per cross-source kind; clean records checked and flagged."""

    injected: dict[str, int] = field(default_factory=dict)
    caught: dict[str, int] = field(default_factory=dict)
    missed: dict[str, list[str]] = field(default_factory=dict)
    #: missed because the record itself never reached the store (held, or parked behind a
    #: held parent): no check over the store could see it
    missed_held: dict[str, int] = field(default_factory=dict)
    clean: int = 0
    clean_flagged: dict[str, int] = field(default_factory=dict)  # by what flagged them

    def recall(self, kind: str) -> float:
        """Share of the kind's injected defects that were caught (1.0 when none injected)."""
        injected = self.injected.get(kind, 0)
        return self.caught.get(kind, 0) / injected if injected else 1.0

    def flagged_rate(self) -> float:
        """Share of clean records flagged by anything."""
        return sum(self.clean_flagged.values()) / self.clean if self.clean else 0.0


def _origins(store: FhirStore) -> Iterable[tuple[str, str, Key]]:
    """(resource type, id, source record) of every stored resource, from the Provenances."""
    record = {identifier_system(f"{s}-record") for s in ("hospital", "station", "agency")}
    query = select(resource.c.content).where(
        resource.c.resource_type == "Provenance", resource.c.deleted.is_(False)
    )
    with store.engine.connect() as conn:
        for row in conn.execution_options(yield_per=2000).execute(query):
            provenance = orjson.loads(row.content)
            what = provenance["entity"][0]["what"]["identifier"]
            if what["system"] not in record:
                continue
            kind, key = what["value"].split("|", 1)
            for target in provenance["target"]:
                resource_type, _, resource_id = target["reference"].partition("/")
                yield resource_type, resource_id, (kind, key)


def cross_source_flags(store: FhirStore) -> dict[Key, set[str]]:
    """Source record -> the cross-source checks that failed one of its stored resources."""
    judge = PlausibilityPass()
    query = select(resource.c.content).where(
        resource.c.deleted.is_(False), resource.c.content.is_not(None)
    )
    with store.engine.connect() as conn:
        for row in conn.execution_options(yield_per=2000).execute(query):
            judge.add(orjson.loads(row.content))
    origin = {(t, i): key for t, i, key in _origins(store)}
    ids: dict[str, set[Key]] = {}
    for resource_type, resource_id in origin:
        ids.setdefault(resource_id, set()).add(origin[(resource_type, resource_id)])
    flags: dict[Key, set[str]] = {}
    for check, (_, failed) in judge.judged().items():
        for resource_id in failed:
            for key in ids.get(resource_id, ()):
                flags.setdefault(key, set()).add(check)
    return flags


def _held(store: FhirStore) -> dict[Key, str]:
    """Records still held in quarantine, with the stage that held them."""
    query = select(quarantine.c.record_kind, quarantine.c.source_key, quarantine.c.stage).where(
        quarantine.c.status == "open"
    )
    with store.engine.connect() as conn:
        return {(r[0], str(r[1])): r[2] for r in conn.execute(query)}


def score_district(root: Path, store: FhirStore, gate: RecordingGate) -> CrossSourceScore:
    """Score a synced district against its labels: every cross-source kind, clean records."""
    flags: dict[Key, set[str]] = {k: set(v) for k, v in gate.found.items()}
    held = _held(store)
    for key, stage in held.items():
        if stage != "references":  # parked behind a held parent: not the record's own fault
            flags.setdefault(key, set()).add("quarantine")
    for key, checks in cross_source_flags(store).items():
        flags.setdefault(key, set()).update(checks)
    labels = pd.read_parquet(root / "truth" / "defects.parquet")
    emitted = pd.read_parquet(root / "truth" / "record_persons.parquet")
    score = CrossSourceScore()
    for kind, key, defect in zip(
        labels["record_kind"], labels["source_key"].astype(str), labels["defect"], strict=True
    ):
        if defect not in CROSS_SOURCE:
            continue
        score.injected[defect] = score.injected.get(defect, 0) + 1
        if caught(defect, flags.get((kind, key), ())):
            score.caught[defect] = score.caught.get(defect, 0) + 1
        else:
            score.missed.setdefault(defect, []).append(key)
            if (kind, key) in held:
                score.missed_held[defect] = score.missed_held.get(defect, 0) + 1
    damaged = set(zip(labels["record_kind"], labels["source_key"].astype(str), strict=True))
    # identity noise (a mistyped resident ID, a missing one) is no defect, but not clean
    # either: the resident ID check rightly flags it, and the cross-source pass cannot take
    # such a record to its person
    noise = pd.read_parquet(root / "truth" / "identity_noise.parquet")
    damaged |= set(zip(noise["record_kind"], noise["source_key"].astype(str), strict=True))
    for key in set(zip(emitted["record_kind"], emitted["source_key"].astype(str), strict=True)):
        if key in damaged:
            continue
        score.clean += 1
        for check in sorted(flags.get(key, ()))[:1]:  # a record counts once
            score.clean_flagged[check] = score.clean_flagged.get(check, 0) + 1
    return score
