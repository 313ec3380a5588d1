"""Whose records: a prevention doctor's catchment (the patient's sub-district).

Pure functions; the API reads the Patient and asks ``in_area``. Callers limited to an area
work patient by patient: a search of patient data must name one patient of the area.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.domain.codes import CANONICAL_BASE

__all__ = ["SUB_DISTRICT_URL", "in_area", "patient_of_query"]

SUB_DISTRICT_URL = f"{CANONICAL_BASE}/StructureDefinition/sub-district"
_PATIENT_PARAMS = ("patient", "subject", "_id")


def in_area(patient: Mapping[str, Any], area: str) -> bool:
    """Whether the Patient's sub-district is the area (no sub-district: not in any area)."""
    for extension in patient.get("extension") or []:
        if extension.get("url") == SUB_DISTRICT_URL:
            return bool(extension.get("valueCode") == area)
    return False


def patient_of_query(resource_type: str, query: Mapping[str, str]) -> str | None:
    """The one patient id a search is narrowed to, or None."""
    for name in _PATIENT_PARAMS:
        if name == "_id" and resource_type != "Patient":
            continue
        value = query.get(name) or query.get(f"{name}:Patient")
        if value and "," not in value:
            return value.removeprefix("Patient/")
    return None
