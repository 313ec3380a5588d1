"""Errors of the mapping layer, grouped by what the caller should do.

::

    MappingError                 the record cannot become FHIR: quarantine it, fix, replay
     ├── UnknownRecordKind       no mapper is registered for the record's kind
     ├── UnmappedCode            a local code has no entry in its ConceptMap or CodeSystem
     ├── InvalidValue            a value is out of its allowed range (e.g. a scale item)
     └── InvalidResource         a resource the record became is not valid FHIR R4B

Every message names the record kind, the record key, the field and the value. Values that
look like a resident ID or a phone number are masked, so a message can go to a log.
"""

from __future__ import annotations

from pydantic import ValidationError

from mappings._privacy import redact

__all__ = ["InvalidResource", "InvalidValue", "MappingError", "UnknownRecordKind", "UnmappedCode"]


class MappingError(Exception):
    """A source record that cannot be mapped; the ingest quarantines it with this message."""

    def __init__(self, kind: str, key: str, field: str, value: object, reason: str) -> None:
        self.kind = kind
        self.key = redact(key)
        self.field = field
        self.value = redact(str(value))
        self.reason = reason
        super().__init__(
            f"{kind} {self.key!r}: field {field} value {self.value!r}: {redact(reason)}"
        )


class UnknownRecordKind(MappingError):
    """No mapper is registered for this record kind."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(kind, key, "kind", kind, "no mapper is registered for this kind")


class UnmappedCode(MappingError):
    """A local code with no mapping: names the code, the field and the ConceptMap."""

    def __init__(self, kind: str, key: str, field: str, code: str, concept_map: str) -> None:
        self.code = redact(code)
        self.concept_map = concept_map
        super().__init__(kind, key, field, code, f"code has no mapping in {concept_map}")


class InvalidValue(MappingError):
    """A value outside what the field allows."""


class InvalidResource(MappingError):
    """A resource built from the record fails its R4B model (e.g. a code with a line break)."""

    def __init__(self, kind: str, key: str, resource_type: str, error: ValidationError) -> None:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or resource_type
        value = first.get("input")
        super().__init__(
            kind,
            key,
            f"{resource_type}.{where}",
            value if isinstance(value, str | int | float) else type(value).__name__,
            f"not valid FHIR R4B: {first['msg']}",
        )
