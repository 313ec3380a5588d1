"""The CPU-bound part of a page: parse, raw checks, map, FHIR checks. No database, no I/O.

``PageMapper.map_page`` turns a page's fresh raw records into what became of each of them
(its FHIR resources, or the reasons it is quarantined). It runs in the ingest's own process
or in a worker process (``hub.ingest.parallel``); everything it returns pickles.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import ValidationError

from connectors.base import RawRecord
from hub.domain.records import RECORD_KINDS, SourceRecord
from hub.gc_pause import gc_paused
from hub.ingest.seams import Finding, QualityGate
from hub.ingest.targets import outgoing_references
from mappings import MappingContext, MappingError, map_record
from validation.links import resources_text

__all__ = ["PageMapper", "PageResult", "Reason", "parse_record", "to_json"]

#: Stages timed inside ``map_page``, in pipeline order.
MAPPING_STAGES = ("parse", "raw_checks", "map", "fhir_checks")


@dataclass(frozen=True)
class Reason:
    """Why a record is quarantined: the stage, the check and a sentence for a person."""

    stage: str  # read, parse, raw_check, map, fhir_check
    check: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form kept in the quarantine table."""
        return {
            "stage": self.stage,
            "check": self.check,
            "field": self.field,
            "message": self.message,
        }


def to_json(resource: Any) -> dict[str, Any]:
    """A fhir.resources model (or a dict) as FHIR JSON."""
    if isinstance(resource, dict):
        return resource
    dumped: dict[str, Any] = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def parse_record(raw: RawRecord) -> SourceRecord | list[Reason]:
    """The typed record, or the reasons it cannot be read (each naming the field)."""
    if raw.problem is not None:
        return [Reason("read", "unreadable", raw.problem)]
    model = RECORD_KINDS.get(raw.record_kind)
    if model is None:
        return [Reason("read", "unknown_kind", f"unknown record kind {raw.record_kind!r}")]
    try:
        return model.model_validate(raw.payload)
    except ValidationError as exc:
        return [
            Reason(
                "parse",
                f"{raw.record_kind}.{'.'.join(str(p) for p in err['loc']) or 'record'}",
                f"{raw.record_kind} {raw.source_key}: "
                f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['msg']}",
                ".".join(str(p) for p in err["loc"]) or None,
            )
            for err in exc.errors()
        ]


def _fatal(findings: Sequence[Finding], stage: str) -> list[Reason]:
    return [Reason(stage, f.check, f.message, f.field) for f in findings if f.severity == "fatal"]


@dataclass
class PageResult:
    """What became of a page's records, by their position in the page handed in."""

    resources: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    quarantined: dict[int, list[Reason]] = field(default_factory=dict)
    warnings_by_check: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    #: What a worker's quality gate tallied for this page (``seams.WorkerGate.drain``).
    tallies: object = None
    #: Position -> the relative references its resources make to resources outside them.
    outgoing: dict[int, set[str]] = field(default_factory=dict)
    #: ``resources`` as one JSON text while the result travels between processes.
    packed: bytes | None = None
    #: Position -> its resources' JSON text, made once for the FHIR checks and the packing.
    texts: dict[int, bytes] = field(default_factory=dict)

    def outgoing_of(self, position: int) -> set[str]:
        """The outgoing references of one record's resources (found now if not yet)."""
        found = self.outgoing.get(position)
        if found is None:
            found = self.outgoing[position] = outgoing_references(self.resources[position])
        return found

    def merge(self, positions: Sequence[int], part: PageResult) -> None:
        """Take in the result of a part of the page: its record i is the page's positions[i]."""
        self.resources.update({positions[p]: r for p, r in part.resources.items()})
        self.quarantined.update({positions[p]: r for p, r in part.quarantined.items()})
        self.outgoing.update({positions[p]: r for p, r in part.outgoing.items()})
        for check, count in part.warnings_by_check.items():
            self.warnings_by_check[check] = self.warnings_by_check.get(check, 0) + count
        for stage, seconds in part.seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def pack(self) -> None:
        """Hold the resources as JSON text: sent as one string, not a tree of objects.

        Unpickling tens of thousands of small dicts costs the receiving process more than
        parsing their JSON, and it happens in the executor's thread, beyond ``gc_paused``.
        Each record's text made for the FHIR checks is reused: the same bytes as dumping
        ``list(resources.items())`` whole, without dumping the resources a second time.
        """
        texts, self.texts = self.texts, {}
        if texts.keys() == self.resources.keys():
            parts = [b"[%d,%b]" % (position, text) for position, text in texts.items()]
            self.packed = b"[" + b",".join(parts) + b"]"
        else:
            try:
                self.packed = orjson.dumps(list(self.resources.items()))
            except (TypeError, orjson.JSONEncodeError):
                return  # not plain JSON (a test's stand-in): travels as objects
        self.resources = {}

    def unpack(self) -> None:
        """Turn the packed JSON text back into resources."""
        if self.packed is not None:
            with gc_paused():
                self.resources = dict(orjson.loads(self.packed))
            self.packed = None

    def warn(self, check: str) -> None:
        """Count one warning."""
        self.warnings_by_check[check] = self.warnings_by_check.get(check, 0) + 1

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        """Add the time spent in the block to ``seconds[stage]``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


class PageMapper:
    """Parse, raw checks, mapping and FHIR checks of one source run's pages."""

    def __init__(self, context: MappingContext, gate: QualityGate, source: str) -> None:
        self.context, self.gate, self.source = context, gate, source

    def map_page(self, records: Sequence[RawRecord]) -> PageResult:
        """Each record's FHIR resources, or why it is quarantined."""
        result = PageResult()
        parsed: list[tuple[int, SourceRecord]] = []
        with result.timing("parse"):
            for position, raw in enumerate(records):
                outcome = parse_record(raw)
                if isinstance(outcome, list):
                    result.quarantined[position] = outcome
                else:
                    parsed.append((position, outcome))
        with result.timing("raw_checks"):
            verdicts = self.gate.check_records(self.source, [p[1] for p in parsed])
        for (position, record), findings in zip(parsed, verdicts, strict=True):
            self._count_warnings(findings, result)
            reasons = _fatal(findings, "raw_check") or self._map(record, position, result)
            if reasons:
                result.quarantined[position] = reasons
        return result

    def _map(self, record: SourceRecord, position: int, result: PageResult) -> list[Reason]:
        try:
            with result.timing("map"):
                mapped = map_record(record, self.context)
        except MappingError as exc:
            return [Reason("map", type(exc).__name__, str(exc))]
        # Each resource's JSON as checked against its R4B model: never parsed again, and
        # dumped once, here, for the FHIR checks' text pass and the packing both.
        resources = mapped.documents
        with result.timing("fhir_checks"):  # the dump counted here, where it was before
            text = resources_text(resources)
            findings = self.gate.check_resources(record, resources, validated=True, text=text)
        self._count_warnings(findings, result)
        for warning in mapped.warnings:
            result.warn(f"{record.kind}.{warning.field}")
        reasons = _fatal(findings, "fhir_check")
        if not reasons:
            result.resources[position] = resources
            if text is not None:
                result.texts[position] = text
            result.outgoing[position] = outgoing_references(resources)
        return reasons

    @staticmethod
    def _count_warnings(findings: Sequence[Finding], result: PageResult) -> None:
        for f in findings:
            if f.severity == "warning":
                result.warn(f.check)
