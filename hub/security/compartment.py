"""Whose records: a prevention doctor's catchment (the patient's sub-district).

Pure functions; the API reads the Patient and asks ``in_area``. Callers limited to an area
work patient by patient: a search of patient data must name one patient of the area.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hub.domain.codes import extension_url
from hub.security.errors import Forbidden
from hub.security.roles import Principal

__all__ = ["SUB_DISTRICT_URL", "catchment_street", "in_area", "manages_case", "patient_of_query"]

SUB_DISTRICT_URL = extension_url("sub-district")
_PATIENT_PARAMS = ("patient", "subject", "_id")
_SOCIAL_WORK_CASE = "social-work-case"  # EpisodeOfCare.type of an agency case


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


def catchment_street(principal: Principal | None, street: str | None) -> str | None:
    """The street (sub-district) filter a worklist runs with: the caller's area if it has one.

    A caller limited to an area sees its own area's gaps; asking for another is refused.
    """
    if principal is None or not principal.area:
        return street
    if street and street != principal.area:
        raise Forbidden("The street is outside the caller's catchment.")
    return principal.area


def manages_case(episodes: Iterable[Mapping[str, Any]], practitioner: str) -> bool:
    """Whether one of the patient's social-work cases names this case manager."""
    wanted = practitioner if "/" in practitioner else f"Practitioner/{practitioner}"
    return any(
        e.get("resourceType") == "EpisodeOfCare"
        and (e.get("careManager") or {}).get("reference") == wanted
        and any(
            c.get("code") == _SOCIAL_WORK_CASE
            for t in e.get("type") or []
            for c in t.get("coding") or []
        )
        for e in episodes
    )
