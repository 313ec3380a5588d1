"""Provenance: one per source record, targeting every resource the record produced."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.domain.codes import CANONICAL_BASE, identifier_system
from hub.domain.identifiers import stable_id
from hub.domain.records import SourceRecord
from mappings._context import MappingContext
from mappings._errors import InvalidValue
from mappings._fhir import build, concept, instant, logical_ref

__all__ = ["mapping_policy_url", "to_provenance"]

_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


def mapping_policy_url(module: str, version: str) -> str:
    """The URI that names one version of one mapping module (Provenance.policy)."""
    return f"{CANONICAL_BASE}/mapping/{module}/{version}"


def _recorded(record: SourceRecord, ctx: MappingContext) -> str:
    """When the source last wrote the record; the record's own date when it keeps no stamp."""
    stamp = getattr(record, "updated_at", None)
    if isinstance(stamp, datetime):
        return instant(stamp, ctx)
    for name in ("event_time", "occurred_at", "contact_at"):
        value = getattr(record, name, None)
        if isinstance(value, datetime):
            return instant(value, ctx)
    if ctx.run_started_at is not None:
        return instant(ctx.run_started_at, ctx)
    for name in ("visit_date", "registered_on", "since"):
        value = getattr(record, name, None)
        if value is not None:
            return instant(datetime(value.year, value.month, value.day), ctx)
    raise InvalidValue(
        record.kind, record.source_key, "updated_at", None, "no timestamp for Provenance.recorded"
    )


def to_provenance(
    record: SourceRecord, ctx: MappingContext, targets: list[Any], module: str, version: str
) -> Any:
    """Provenance of ``targets``: source system, source key, connector run, mapping version."""
    key = f"{record.kind}|{record.source_key}"
    source_org = ctx.organization_name or ctx.source_system
    return build(
        {
            "resourceType": "Provenance",
            "id": stable_id(ctx.source_system, "Provenance", key),
            "target": [{"reference": f"{t.get_resource_type()}/{t.id}"} for t in targets],
            "recorded": _recorded(record, ctx),
            "policy": [mapping_policy_url(module, version)],
            "agent": [
                {
                    "type": concept(
                        {"system": _PARTICIPANT, "code": "author", "display": "Author"}
                    ),
                    "who": logical_ref(
                        identifier_system("source-system"), ctx.source_system, source_org
                    ),
                },
                {
                    "type": concept(
                        {"system": _PARTICIPANT, "code": "assembler", "display": "Assembler"}
                    ),
                    "who": logical_ref(
                        identifier_system("connector-run"),
                        ctx.run_id,
                        f"carehub {module} {version}",
                    ),
                },
            ],
            "entity": [
                {
                    "role": "source",
                    "what": logical_ref(
                        identifier_system(f"{ctx.source_system}-record"), key, record.kind
                    ),
                }
            ],
        }
    )
