"""What a request needs: the resource type and SMART permission its route touches.

Pure: a route template, a method and path parameters in; a Requirement out. The API
checks the caller's scopes and compartment against it and audits patient-level requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.security.errors import Forbidden
from hub.security.roles import Principal
from hub.security.scopes import allows

__all__ = ["PUBLIC_ROUTES", "Requirement", "bundle_needs", "check", "requirement_for"]

#: Routes on guarded routers that anyone may call (no records behind them).
PUBLIC_ROUTES = frozenset({"/fhir/metadata", "/web/static/{name}"})

#: Resource types whose instances are not about one person (no audit, no compartment).
NON_PATIENT_TYPES = frozenset(
    {
        "Measure",
        "MeasureReport",
        "Organization",
        "Location",
        "ValueSet",
        "CodeSystem",
        "Library",
        "StructureDefinition",
        "CapabilityStatement",
        "Practitioner",
        "AuditEvent",
        "ViewDefinition",
    }
)
_WRITE = {"POST": "c", "PUT": "u", "PATCH": "u", "DELETE": "d"}
#: Writes on a type with search parameters: (audit subtype, permissions beyond search).
#: A conditional update creates when nothing matches, so it needs create as well.
_CONDITIONAL = {
    "PUT": ("update", ("c", "u")),
    "PATCH": ("update", ("u",)),
    "DELETE": ("delete", ("d",)),
}
_INCLUDES = ("_include", "_revinclude", "_has", "_contained")


@dataclass(frozen=True)
class Requirement:
    """What a route needs: (type, permission) pairs, the audit subtype, the patient."""

    needs: tuple[tuple[str, str], ...]
    subtype: str
    patient_level: bool
    context: str | None = None
    patient: str | None = None
    entity: str | None = None


def _fhir(path: str, method: str, params: Mapping[str, str]) -> Requirement:
    rtype, rid = params.get("resource_type", ""), params.get("resource_id")
    patient_level = rtype not in NON_PATIENT_TYPES
    entity = f"{rtype}/{rid}" if rid else rtype or None
    patient = f"Patient/{rid}" if rtype == "Patient" and rid else None
    if path in ("/fhir/$export", "/fhir/Patient/$export", "/fhir/Group/{group_id}/$export") or (
        path.startswith("/fhir/$export-")
    ):
        return Requirement((("*", "r"), ("*", "s")), "export", True, context="system")
    if path.endswith("$validate"):
        return Requirement((), "operation", False)
    if path == "/fhir":
        return Requirement((("*", "c"), ("*", "u")), "transaction", True)
    if path == "/fhir/_history":
        return Requirement((("*", "r"),), "history-system", True)
    if "_history" in path:
        return Requirement(
            ((rtype, "r"),), "history", patient_level, patient=patient, entity=entity
        )
    if path in ("/fhir/{resource_type}", "/fhir/{resource_type}/_search"):
        if method == "POST" and not path.endswith("_search"):
            return Requirement(((rtype, "c"),), "create", patient_level, entity=entity)
        if method in _CONDITIONAL:  # conditional update, patch, delete: a search, then a write
            verb, needs = _CONDITIONAL[method]
            return Requirement(
                ((rtype, "s"), *((rtype, n) for n in needs)), verb, patient_level, entity=entity
            )
        return Requirement(((rtype, "s"),), "search-type", patient_level, entity=entity)
    if method in _WRITE:
        verb = {"c": "create", "u": "update", "d": "delete"}[_WRITE[method]]
        return Requirement(
            ((rtype, _WRITE[method]),), verb, patient_level, patient=patient, entity=entity
        )
    return Requirement(((rtype, "r"),), "read", patient_level, patient=patient, entity=entity)


#: Routes with their own rule: (method or "*", template) -> requirement.
_NAMED: dict[tuple[str, str], Requirement] = {
    ("*", "/worklist"): Requirement((), "read", False),
    ("*", "/api/continuity/rules"): Requirement((), "read", False),
    ("*", "/api/worklist"): Requirement(
        (("Patient", "s"),), "search-type", True, entity="worklist"
    ),
    ("*", "/web/worklist"): Requirement(
        (("Patient", "s"),), "search-type", True, entity="worklist"
    ),
    ("*", "/api/continuity/evaluate"): Requirement(
        (("Patient", "s"),), "search-type", True, entity="worklist"
    ),
    ("*", "/fhir/Patient/$match"): Requirement((("Patient", "s"),), "operation", True),
    ("*", "/fhir/ViewDefinition/$run"): Requirement((("*", "r"),), "operation", True),
    ("GET", "/fhir/ViewDefinition"): Requirement((("ViewDefinition", "s"),), "read", False),
    ("GET", "/fhir/ViewDefinition/{view_id}"): Requirement(
        (("ViewDefinition", "r"),), "read", False
    ),
    # Linking decisions change whose records are whose: a user-level Patient update.
    ("POST", "/api/identity/review/{pair}/{verdict}"): Requirement(
        (("Patient", "u"),), "update", True, context="user"
    ),
    ("POST", "/api/identity/split"): Requirement(
        (("Patient", "u"),), "update", True, context="user"
    ),
}
#: Published statistics (small cells suppressed): what the district authority may see.
_STATISTICS = ("/stats", "/api/stats")


def requirement_for(path: str, method: str, params: Mapping[str, str]) -> Requirement:
    """The requirement of a route template (``/fhir/{resource_type}/{resource_id}``)."""
    named = _NAMED.get((method, path)) or _NAMED.get(("*", path))
    if named is not None:
        return named
    if path.startswith("/fhir/AuditEvent"):
        return Requirement((("AuditEvent", "s"),), "search-type", False)
    if "{patient_id}" in path:
        pid = f"Patient/{params.get('patient_id', '')}"
        subtype = "operation" if "$" in path else "read"
        return Requirement((("*", "r"),), subtype, True, patient=pid, entity=pid)
    if path.startswith("/fhir"):
        return _fhir(path, method, params)
    if path.startswith(_STATISTICS):
        return Requirement((("MeasureReport", "r"),), "read", False)
    # Anything else under /api, /web or /quality may show records: identifiable reads only.
    return Requirement((("*", "r"),), "read", True, entity=path)


def bundle_needs(bundle: object) -> tuple[tuple[str, str], ...] | None:
    """What each entry of a transaction/batch needs, or None if the Bundle is not readable."""
    if not isinstance(bundle, dict) or not isinstance(bundle.get("entry", []), list):
        return None
    needs: set[tuple[str, str]] = set()
    for entry in bundle.get("entry", []):
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not isinstance(request.get("url"), str):
            return None
        method = str(request.get("method", "")).upper()
        resource_type = request["url"].split("?")[0].split("/")[0]
        if method == "GET":
            needs.add((resource_type, "s" if "?" in request["url"] else "r"))
        elif method in _WRITE:
            needs.add((resource_type, _WRITE[method]))
        else:
            return None
    return tuple(sorted(needs))


def check(
    principal: Principal, needed: Requirement, district: str, query: Mapping[str, str]
) -> None:
    """Raise Forbidden unless the caller's scopes and compartment allow the requirement."""
    if needed.context and not any(s.context == needed.context for s in principal.scopes):
        raise Forbidden(f"This request needs a {needed.context}-level token.")
    for resource_type, permission in needed.needs:
        scopes = principal.scopes
        if resource_type == "AuditEvent":  # the trail needs a scope that names it, not `*`
            scopes = [s for s in scopes if s.resource_type == "AuditEvent"]
        if not allows(scopes, resource_type, permission):
            raise Forbidden(f"The token's scopes do not allow {permission!r} on {resource_type}.")
    if needed.patient_level and principal.district and principal.district != district:
        raise Forbidden("The records of this district are outside the caller's compartment.")
    if any(k.split(":")[0] in _INCLUDES for k in query) and not allows(principal.scopes, "*", "r"):
        raise Forbidden("_include, _revinclude and _has need read access to every type.")
