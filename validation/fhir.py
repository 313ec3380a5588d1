"""FHIR-level checks on the resources one record became: structure, profiles, bindings, links.

``bindings`` maps a code system URL of ours to the codes its value set holds; it is handed
in (the hub loads it from the terminology files) so this package stays free of the mappings.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from pydantic import ValidationError

from hub.domain.codes import CANONICAL_BASE
from hub.domain.identifiers import stable_id
from hub.domain.records import SourceRecord
from validation.catalogue import Catalogue, load_catalogue
from validation.results import Issue

__all__ = ["REQUIRED", "FhirChecks", "candidate_keys"]

#: Elements our profiles require, per resource type (any one of a tuple's names will do).
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "Patient": (("identifier",),),
    "Encounter": (("status",), ("class",), ("subject",)),
    "EpisodeOfCare": (("status",), ("patient",)),
    "Observation": (("status",), ("code",), ("subject",)),
    "Condition": (("code",), ("subject",)),
    "QuestionnaireResponse": (("status",), ("questionnaire",), ("subject",)),
    "CarePlan": (("status",), ("intent",), ("subject",)),
    "Goal": (("lifecycleStatus",), ("description",), ("subject",)),
    "MedicationRequest": (
        ("status",),
        ("intent",),
        ("subject",),
        ("medicationCodeableConcept", "medicationReference"),
    ),
    "ServiceRequest": (("status",), ("intent",), ("subject",)),
    "Procedure": (("status",), ("subject",)),
    "Task": (("status",), ("intent",)),
    "Provenance": (("target",), ("agent",)),
    "CareTeam": (("subject",),),
}
#: The prefixes the hub's mappings put before a source key when deriving a stable id.
KEY_PREFIXES = (
    *("case", "care_plan", "admission", "contact", "community", "registration"),
    *("follow_up", "guardian", "ward", "emergency", "diagnosis", "order"),
)
_OURS = f"{CANONICAL_BASE}/CodeSystem/"


@cache
def _model(resource_type: str) -> Any:
    module = importlib.import_module("fhir.resources.R4B")
    return module.get_fhir_model_class(resource_type)


def candidate_keys(record: SourceRecord) -> Iterator[str]:
    """Source keys the record's own values give: bare, prefixed, and per need domain."""
    values = [str(v) for v in record.__dict__.values() if isinstance(v, str | int) and v != ""]
    yield from values
    for prefix in KEY_PREFIXES:
        for value in values:
            yield f"{prefix}|{value}"
    case_id = getattr(record, "case_id", None)
    if case_id:
        for need in getattr(record, "needs", ()) or ():
            yield f"need|{case_id}|{need.domain}"
        for goal in getattr(record, "goals", ()) or ():
            yield f"need|{case_id}|{goal.need_domain}"


def _links(resource: dict[str, Any]) -> tuple[list[str], list[Mapping[str, Any]]]:
    """Every reference and every coding in a resource, in document order, in one walk."""
    references: list[str] = []
    codings: list[Mapping[str, Any]] = []
    _walk(resource, references, codings)
    return references, codings


def _walk(node: Any, references: list[str], codings: list[Mapping[str, Any]]) -> None:
    # Plain recursion over JSON containers: a recursive generator per node (one per check)
    # cost more than all the checks together.
    if type(node) is dict:
        reference = node.get("reference")
        if type(reference) is str:
            references.append(reference)
        if type(node.get("system")) is str and "code" in node:
            codings.append(node)
        node = node.values()
    for value in node:
        if type(value) is dict or type(value) is list:
            _walk(value, references, codings)


class FhirChecks:
    """Checks the resources of one record; ``bindings``: our code system URL -> its codes."""

    def __init__(
        self, bindings: Mapping[str, frozenset[str]], catalogue: Catalogue | None = None
    ) -> None:
        self.bindings = bindings
        self.catalogue = catalogue or load_catalogue()

    def _issue(self, check: str, message: str, field: str | None = None) -> Issue:
        return Issue(check, self.catalogue.spec(check).severity, message, field)

    def check(
        self,
        record: SourceRecord,
        system: str,
        resources: Sequence[dict[str, Any]],
        *,
        structure_validated: bool = False,
    ) -> list[Issue]:
        """Issues on the resources one record became (empty when they are sound).

        ``structure_validated``: the resources were built through the R4B models, so the
        structure check passed by construction and is not repeated.
        """
        issues: list[Issue] = []
        produced = {(str(r.get("resourceType")), str(r.get("id"))) for r in resources}
        resolver = _Resolver(record, system, produced)
        for resource in resources:
            label = f"{resource.get('resourceType')}/{resource.get('id')}"
            if not structure_validated:
                issues += self._structure(resource, label)
            references, codings = _links(resource)
            issues += self._required(resource, label)
            issues += self._bindings(codings, label)
            issues += [
                self._issue("fhir.reference", f"{label}: reference {ref} resolves nowhere")
                for ref in references
                if not resolver.resolves(ref)
            ]
            if resource.get("resourceType") == "QuestionnaireResponse":
                issues += self._orphan(resource, label, resolver)
        return issues

    def _structure(self, resource: dict[str, Any], label: str) -> list[Issue]:
        try:
            _model(str(resource.get("resourceType"))).model_validate(resource)
        except (ValidationError, KeyError, ValueError, TypeError) as exc:
            detail = exc.errors()[0]["loc"] if isinstance(exc, ValidationError) else type(exc)
            return [self._issue("fhir.structure", f"{label}: not valid FHIR R4B at {detail}")]
        return []

    def _required(self, resource: dict[str, Any], label: str) -> list[Issue]:
        missing = [
            names[0]
            for names in REQUIRED.get(str(resource.get("resourceType")), ())
            if not any(resource.get(n) not in (None, [], {}, "") for n in names)
        ]
        if not (resource.get("meta") or {}).get("security"):
            missing.append("meta.security")
        return [self._issue("fhir.required", f"{label}: {m} is missing", m) for m in missing]

    def _bindings(self, codings: list[Mapping[str, Any]], label: str) -> list[Issue]:
        out = []
        for coding in codings:
            system, code = str(coding["system"]), str(coding["code"])
            allowed = self.bindings.get(system)
            if system.startswith(_OURS) and allowed is not None and code not in allowed:
                name = system.removeprefix(_OURS)
                out.append(self._issue("fhir.binding", f"{label}: {code!r} is not in {name}"))
        return out

    def _orphan(self, resource: dict[str, Any], label: str, resolver: _Resolver) -> list[Issue]:
        subject = (resource.get("subject") or {}).get("reference")
        if resource.get("questionnaire") and subject and resolver.resolves(subject):
            return []
        return [
            self._issue(
                "fhir.orphan_questionnaire_response",
                f"{label}: no questionnaire or no subject that resolves",
            )
        ]


class _Resolver:
    """Whether a reference points into the record's output or at an id its source derives."""

    def __init__(self, record: SourceRecord, system: str, produced: set[tuple[str, str]]) -> None:
        self.record, self.system, self.produced = record, system, produced
        self._derived: dict[str, set[str]] = {}

    def resolves(self, reference: str) -> bool:
        """True for contained, absolute and canonical references, or a known relative one."""
        if reference.startswith("#") or "://" in reference or reference.startswith("urn:"):
            return True
        resource_type, _, resource_id = reference.partition("/")
        if (resource_type, resource_id) in self.produced:
            return True
        if resource_type not in self._derived:
            self._derived[resource_type] = {
                stable_id(self.system, resource_type, key) for key in candidate_keys(self.record)
            }
        return resource_id in self._derived[resource_type]
