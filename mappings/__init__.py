"""Mappings: pure functions from a parsed source record to FHIR R4B resources.

``map_record(record, ctx)`` dispatches on the record's kind through an explicit registry,
returns every resource the record produced (its Provenance last) and data-quality warnings,
and raises a ``MappingError`` (quarantine the record) when a code has no mapping.
Code tables, ConceptMaps and Questionnaires live as JSON under ``mappings/data``.
"""

from mappings._context import MappingContext, MappingResult, MappingWarning
from mappings._errors import InvalidValue, MappingError, UnknownRecordKind, UnmappedCode
from mappings._registry import MAPPERS, MAPPING_VERSIONS, canonical_resources, map_record

__all__ = [
    "MAPPERS",
    "MAPPING_VERSIONS",
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
