"""A station page through the real pipeline and the quality gate, for the quarantine tests."""

from __future__ import annotations

from typing import Any

from connectors.base import RawRecord
from hub.ingest.pipeline import PagePipeline
from hub.ingest.report import SourceReport
from hub.quality.gate import CheckingGate
from hub.store import FhirStore
from mappings import MappingContext
from tests.mappings.mapping_samples import SAMPLES

DISTRICT = "110105"


def station_pipeline(store: FhirStore, gate: CheckingGate) -> PagePipeline:
    """The station source's page pipeline over ``store``, checked by ``gate`` (run ``run-1``)."""
    return PagePipeline(
        store=store,
        source="station",
        source_system="station",
        context=MappingContext(source_system="station", run_id="run-1", district_code=DISTRICT),
        gate=gate,
        report=SourceReport(source="station", kind="station", run_id="run-1"),
    )


def station_record(kind: str, key: str, **changes: Any) -> RawRecord:
    """A sample record of ``kind`` under source key ``key``, with fields changed."""
    payload = SAMPLES[kind].model_dump(mode="json") | {SAMPLES[kind].key_field: key} | changes
    return RawRecord(kind, key, payload)
