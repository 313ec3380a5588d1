"""Mappings: pure functions from a parsed source record to FHIR R4B resources.

``map_record(record, ctx)`` dispatches on the record's kind through an explicit registry
(``MAPPERS``), returns every resource the record produced with its Provenance last, the
data-quality warnings (e.g. a scale total that disagrees with the source's), and the
validated JSON of each resource (``MappingResult.documents``, ready for orjson). It raises
a ``MappingError`` (quarantine the record) when a local code has no mapping, a value is
impossible or a resource is not valid R4B; messages name kind, key, field and value, with
resident IDs and phones masked.

Conventions the ingest can rely on:

* ids are ``stable_id(ctx.source_system, type, key)``; keys are the source key for Patient
  (patient_id, registration_no, client_id), Practitioner (staff id) and Organization
  (facility code), and ``"<what>|<source key>"`` otherwise (``admission|A1``,
  ``follow_up|V1``, ``case|C1``, ``need|<case>|<domain>``), so references computed by one
  record resolve once the other record is stored;
* a resource tagged ``resource-tag#stub`` (a doctor known by id alone) exists only so that
  a reference resolves: it must not replace a fuller version already stored;
* pass ``MappingContext.run_started_at``: it is Provenance.recorded for records that keep
  no timestamp of their own;
* code tables, ConceptMaps, ValueSets and Questionnaires live as JSON under
  ``mappings/data``; ``canonical_resources()`` returns them for the store and the API.
"""

from mappings._context import MappingContext, MappingResult, MappingWarning
from mappings._errors import (
    InvalidResource,
    InvalidValue,
    MappingError,
    UnknownRecordKind,
    UnmappedCode,
)
from mappings._registry import MAPPERS, MAPPING_VERSIONS, canonical_resources, map_record

__all__ = [
    "MAPPERS",
    "MAPPING_VERSIONS",
    "InvalidResource",
    "InvalidValue",
    "MappingContext",
    "MappingError",
    "MappingResult",
    "MappingWarning",
    "UnknownRecordKind",
    "UnmappedCode",
    "canonical_resources",
    "map_record",
]
