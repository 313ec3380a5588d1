"""Whole-store checks of a synced simulated district: validity, references, scores vs truth.

Used by the district tests and by ``bench/district_check.py`` (the same checks on a bigger
district). Every check reads the store's current resources as stored JSON and says what it
looked at (counts) and what it found wrong (lists), so a caller can assert or report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import select

from hub.domain.codes import CANONICAL_BASE, identifier_system
from hub.ingest.schema import landing, quarantine
from hub.store import FhirStore
from hub.store.schema import resource

__all__ = ["DistrictCheck", "check_district", "current_resources", "quarantined_records"]

#: Elements whose value is a canonical reference (``url`` or ``url|version``), by type.
CANONICAL_ELEMENTS: dict[str, tuple[str, ...]] = {
    "QuestionnaireResponse": ("questionnaire",),
    "CarePlan": ("instantiatesCanonical",),
    "Task": ("instantiatesCanonical",),
    "Questionnaire": ("derivedFrom",),
    "ValueSet": ("compose.include.valueSet",),
    "ConceptMap": ("sourceCanonical", "targetCanonical"),
}
_OUR_CODE_SYSTEMS = f"{CANONICAL_BASE}/CodeSystem/"
_RISK = "risk-level"
Key = tuple[str, str, str]  # source system, record kind, source key


@dataclass
class DistrictCheck:
    """What the checks looked at, and every problem they found."""

    resources: int = 0
    invalid: list[str] = field(default_factory=list)
    references: int = 0
    canonical_references: int = 0
    unresolved: list[str] = field(default_factory=list)
    codes: int = 0
    unknown_codes: list[str] = field(default_factory=list)
    unshipped_systems: set[str] = field(default_factory=set)  # ours, with no CodeSystem stored
    scores_compared: int = 0
    mismatches: list[str] = field(default_factory=list)
    quarantined_records: int = 0
    expected_scores: int = 0

    def summary(self) -> dict[str, int]:
        """Counts for a report: what was checked and how many problems of each kind."""
        return {
            "resources_checked": self.resources,
            "invalid_resources": len(self.invalid),
            "references_resolved": self.references - len(self.unresolved),
            "canonical_references": self.canonical_references,
            "unresolved_references": len(self.unresolved),
            "codes_checked": self.codes,
            "unknown_codes": len(self.unknown_codes),
            "code_systems_not_in_store": len(self.unshipped_systems),
            "scores_compared": self.scores_compared,
            "score_mismatches": len(self.mismatches),
            "quarantined_records": self.quarantined_records,
        }


def current_resources(store: FhirStore) -> Iterator[dict[str, Any]]:
    """Every current, not deleted resource in the store, as its stored JSON."""
    query = select(resource.c.content).where(resource.c.deleted.is_(False))
    with store.engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(query):
            yield orjson.loads(row.content)


def quarantined_records(store: FhirStore) -> set[Key]:
    """(system, kind, key) of every record still in quarantine, through its landing id.

    Rows a replay or the release of parked records closed are left out: those records are
    stored, and their scores are expected in the store like any other.
    """
    query = (
        select(landing.c.source_system, landing.c.record_kind, landing.c.source_key)
        .join(quarantine, quarantine.c.landing_id == landing.c.landing_id)
        .where(quarantine.c.status == "open")
    )
    with store.engine.connect() as conn:
        return {(r[0], r[1], str(r[2])) for r in conn.execute(query)}


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, f"{path}.{key}")
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, path)


def _values_at(document: dict[str, Any], dotted: str) -> list[Any]:
    values: list[Any] = [document]
    for name in dotted.split("."):
        nxt: list[Any] = []
        for value in values:
            child = value.get(name) if isinstance(value, dict) else None
            nxt += child if isinstance(child, list) else [] if child is None else [child]
        values = nxt
    return values


@dataclass
class _Index:
    """What references can resolve to: (type, id) and canonical url / url|version."""

    ids: set[tuple[str, str]] = field(default_factory=set)
    canonicals: set[str] = field(default_factory=set)
    codes: dict[str, set[str]] = field(default_factory=dict)

    def add(self, document: dict[str, Any]) -> None:
        self.ids.add((document["resourceType"], document["id"]))
        url = document.get("url")
        if isinstance(url, str):
            self.canonicals |= {url, f"{url}|{document.get('version')}"}
        if document["resourceType"] == "CodeSystem" and isinstance(url, str):
            self.codes[url] = {c["code"] for c in _concepts(document.get("concept", []))}


def _concepts(concepts: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for concept in concepts:
        yield concept
        yield from _concepts(concept.get("concept", []))


def _check_references(document: dict[str, Any], index: _Index, check: DistrictCheck) -> None:
    where = f"{document['resourceType']}/{document['id']}"
    contained = {f"#{c.get('id')}" for c in document.get("contained", [])}
    for path, value in _walk(document, document["resourceType"]):
        if path.endswith(".reference") and isinstance(value, str):
            check.references += 1
            target = tuple(value.split("/", 1))
            if value in contained or (len(target) == 2 and target in index.ids):
                continue
            check.unresolved.append(f"{where} {path} -> {value}")
        elif isinstance(value, dict) and str(value.get("system", "")).startswith(_OUR_CODE_SYSTEMS):
            _check_code(where, path, value, index, check)
    for element in CANONICAL_ELEMENTS.get(document["resourceType"], ()):
        for canonical in _values_at(document, element):
            check.references += 1
            check.canonical_references += 1
            if canonical not in index.canonicals:
                check.unresolved.append(f"{where} {element} -> {canonical} (canonical)")


def _check_code(
    where: str, path: str, coding: dict[str, Any], index: _Index, check: DistrictCheck
) -> None:
    if "code" not in coding or path.endswith(".identifier"):
        return  # an Identifier or a ValueSet include names a system without a code
    check.codes += 1
    known = index.codes.get(coding["system"])
    if known is None:
        check.unshipped_systems.add(coding["system"])
    elif coding["code"] not in known:
        check.unknown_codes.append(f"{where} {path} {coding['system']}#{coding['code']}")


def _parse(document: dict[str, Any], check: DistrictCheck) -> None:
    check.resources += 1
    try:
        get_fhir_model_class(document["resourceType"]).model_validate(document)
    except Exception as error:  # any failure to parse is a finding, reported with its text
        check.invalid.append(f"{document['resourceType']}/{document['id']}: {error}")


def _provenance_sources(documents: list[dict[str, Any]]) -> dict[str, Key]:
    """Resource reference -> the source record (system, kind, key) its Provenance names."""
    by_system = {identifier_system(f"{s}-record"): s for s in ("hospital", "station", "agency")}
    sources: dict[str, Key] = {}
    for document in documents:
        if document["resourceType"] != "Provenance":
            continue
        what = document["entity"][0]["what"]["identifier"]
        kind, key = what["value"].split("|", 1)
        for target in document["target"]:
            sources[target["reference"]] = (by_system[what["system"]], kind, key)
    return sources


def _items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from _items(item.get("item", []))


def _hub_scores(
    documents: list[dict[str, Any]], scales: set[str]
) -> Iterator[tuple[str, str, int]]:
    """(resource reference, score code, value) of every scale score the hub stored.

    Scores are the Observations coded ``<scale>-<score>`` (integer totals and subscales; the
    risk level as a coded value) and the risk-level answers of QuestionnaireResponses.
    """
    for document in documents:
        where = f"{document['resourceType']}/{document['id']}"
        if document["resourceType"] == "Observation":
            code = document["code"]["coding"][0]["code"]
            if code == _RISK:
                yield where, code, int(document["valueCodeableConcept"]["coding"][0]["code"])
            elif code.split("-", 1)[0] in scales:
                yield where, code, int(document["valueInteger"])
        elif document["resourceType"] == "QuestionnaireResponse":
            for item in _items(document.get("item", [])):
                if item["linkId"] == _RISK:
                    yield where, _RISK, int(item["answer"][0]["valueCoding"]["code"])


def _truth_scores(truth_dir: Path) -> dict[tuple[Key, str], int]:
    frame = pd.read_parquet(truth_dir / "scale_scores.parquet")
    codes = frame["scale"].str.lower() + "-" + frame["score"]
    keys = zip(frame["source_system"], frame["record_kind"], frame["source_key"], strict=True)
    return {(k, c): int(v) for k, c, v in zip(keys, codes, frame["value"], strict=True)}


def _emitted(truth_dir: Path) -> set[Key]:
    frame = pd.read_parquet(truth_dir / "record_persons.parquet")
    columns = (frame["source_system"], frame["record_kind"], frame["source_key"].astype(str))
    return set(zip(*columns, strict=True))


def _compare_scores(
    documents: list[dict[str, Any]], truth_dir: Path, excluded: set[Key], check: DistrictCheck
) -> None:
    truth = _truth_scores(truth_dir)
    sources = _provenance_sources(documents)
    found: set[tuple[Key, str]] = set()
    scales = {code.split("-", 1)[0] for _, code in truth}
    for where, code, value in _hub_scores(documents, scales):
        source = sources.get(where)
        if source is None:
            check.mismatches.append(f"{where} {code}: no Provenance names its source record")
            continue
        check.scores_compared += 1
        found.add((source, code))
        expected = truth.get((source, code))
        if expected != value:
            check.mismatches.append(f"{where} {code} of {source}: hub {value}, truth {expected}")
    emitted = _emitted(truth_dir)
    wanted = {k for k in truth if k[0] in emitted and k[0] not in excluded}
    check.expected_scores = len(wanted)
    for source, code in sorted(wanted - found):
        check.mismatches.append(f"{code} of {source}: in the truth, not in the store")


def check_district(store: FhirStore, truth_dir: Path) -> DistrictCheck:
    """Parse every current resource, resolve its references and codes, compare its scores."""
    check = DistrictCheck()
    documents = list(current_resources(store))
    index = _Index()
    for document in documents:
        index.add(document)
    for document in documents:
        _parse(document, check)
        _check_references(document, index, check)
    excluded = quarantined_records(store)
    check.quarantined_records = len(excluded)
    _compare_scores(documents, truth_dir, excluded, check)
    return check
