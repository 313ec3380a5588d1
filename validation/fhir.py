"""FHIR-level checks on the resources one record became: structure, profiles, bindings, links.

``bindings`` maps a code system URL of ours to the codes its value set holds; it is handed
in (the hub loads it from the terminology files) so this package stays free of the mappings.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from pydantic import ValidationError

from hub.domain.records import SourceRecord
from validation.catalogue import Catalogue, load_catalogue
from validation.links import (
    OURS,
    Coding,
    record_links_raw,
    resources_text,
    text_references,
    vouching_pattern,
    walk_links,
)
from validation.resolver import KEY_PREFIXES, Hints, Resolver, candidate_keys
from validation.results import Issue

__all__ = ["KEY_PREFIXES", "REQUIRED", "FhirChecks", "candidate_keys"]

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


def _label(resource: dict[str, Any]) -> str:
    """How an issue names a resource (built only when there is an issue to name it in)."""
    return f"{resource.get('resourceType')}/{resource.get('id')}"


@cache
def _model(resource_type: str) -> Any:
    module = importlib.import_module("fhir.resources.R4B")
    return module.get_fhir_model_class(resource_type)


#: Values that leave a required element missing (besides None).
_EMPTY: tuple[Any, ...] = ([], {}, "")
#: Per type, the one name of each rule when no rule offers a choice, plus meta: a resource
#: whose values there are all truthy has everything (the common case, at C speed).
#: A type without rules needs only meta; one whose rules offer a choice (None) takes the loop.
_PRESENT_AT_A_GLANCE: dict[str, tuple[str, ...] | None] = {
    kind: (*(names[0] for names in rules), "meta")
    if all(len(names) == 1 for names in rules)
    else None
    for kind, rules in REQUIRED.items()
}
_META_ONLY = ("meta",)


class FhirChecks:
    """Checks the resources of one record; ``bindings``: our code system URL -> its codes."""

    def __init__(
        self, bindings: Mapping[str, frozenset[str]], catalogue: Catalogue | None = None
    ) -> None:
        self.bindings = bindings
        self.catalogue = catalogue or load_catalogue()
        self.hints: Hints = {}  # learned per checker: which recipe derives a type's ids
        # The bindings of our systems as the JSON text holds them (name after OURS, quoted
        # code), so the text pass compares bytes without decoding what it found.
        self._text_bindings = {
            system.removeprefix(OURS).encode(): frozenset(f'"{c}"'.encode() for c in codes)
            for system, codes in bindings.items()
            if system.startswith(OURS)
        }
        self._unvouched = vouching_pattern(bindings)

    def _issue(self, check: str, message: str, field: str | None = None) -> Issue:
        return Issue(check, self.catalogue.spec(check).severity, message, field)

    def check(
        self,
        record: SourceRecord,
        system: str,
        resources: Sequence[dict[str, Any]],
        *,
        structure_validated: bool = False,
        text: bytes | None = None,
    ) -> list[Issue]:
        """Issues on the resources one record became (empty when they are sound).

        ``structure_validated``: the resources were built through the R4B models, so the
        structure check passed by construction and is not repeated. ``text``: the resources'
        ``resources_text`` when the caller has it (the ingest makes it to send them on), so
        the link pass reads it instead of dumping the resources again.
        """
        issues: list[Issue] = []
        produced = {f"{r.get('resourceType')}/{r.get('id')}" for r in resources}
        resolver = Resolver(record, system, produced, self.hints)
        # The common case, in one pass over the record's JSON text: every link is sound, so
        # no resource needs walking (any unsound one is found again, with its place, below).
        walk = not (structure_validated and self._links_sound(resources, resolver, text))
        for resource in resources:
            if not structure_validated:
                issues += self._structure(resource, _label(resource))
            if missing := self._missing(resource):
                label = _label(resource)
                issues += [
                    self._issue("fhir.required", f"{label}: {m} is missing", m) for m in missing
                ]
            if walk:
                label = _label(resource)
                references, codings = walk_links(resource)
                issues += self._bindings(codings, label)
                issues += [
                    self._issue("fhir.reference", f"{label}: reference {ref} resolves nowhere")
                    for ref in references
                    if not resolver.resolves(ref)
                ]
            if resource.get("resourceType") == "QuestionnaireResponse":
                issues += self._orphan(resource, _label(resource), resolver)
        return issues

    def _links_sound(
        self, resources: Sequence[dict[str, Any]], resolver: Resolver, text: bytes | None
    ) -> bool:
        """True when the JSON text shows every coding bound and every reference resolving."""
        if text is None and (text := resources_text(resources)) is None:
            return False
        if self._unvouched.search(text) is None:  # every coding of ours bound, at a glance
            references = text_references(text)
            if references is None:
                return False
        else:  # read the codings one by one (the verdict is the same where both answer)
            found = record_links_raw(resources, text)
            if found is None:
                return False
            references, codings = found
            bindings = self._text_bindings
            for system, code in codings:
                allowed = bindings.get(system)
                if allowed is not None and code not in allowed:
                    return False
        resolves = resolver.resolves
        return all(resolves(ref.decode()) for ref in references)

    def _structure(self, resource: dict[str, Any], label: str) -> list[Issue]:
        try:
            _model(str(resource.get("resourceType"))).model_validate(resource)
        except (ValidationError, KeyError, ValueError, TypeError) as exc:
            detail = exc.errors()[0]["loc"] if isinstance(exc, ValidationError) else type(exc)
            return [self._issue("fhir.structure", f"{label}: not valid FHIR R4B at {detail}")]
        return []

    def _missing(self, resource: dict[str, Any]) -> list[str]:
        """The required elements a resource lacks (first name of each rule, then meta)."""
        get = resource.get
        kind = get("resourceType")
        glance = _PRESENT_AT_A_GLANCE.get(kind, _META_ONLY) if isinstance(kind, str) else None
        if glance is not None and all(map(get, glance)):
            meta = get("meta")
            if isinstance(meta, dict) and meta.get("security"):
                return []
        missing = []
        # Loops, not any() over a generator per rule: this runs for every resource ingested.
        for names in REQUIRED.get(kind, ()) if isinstance(kind, str) else ():
            for name in names:
                value = get(name)
                if value or (value is not None and value not in _EMPTY):  # 0, False: given
                    break
            else:
                missing.append(names[0])
        if not (get("meta") or {}).get("security"):
            missing.append("meta.security")
        return missing

    def _bindings(self, codings: list[Coding], label: str) -> list[Issue]:
        out = []
        for system, code in codings:
            allowed = self.bindings.get(system)
            if allowed is not None and code not in allowed:
                name = system.removeprefix(OURS)
                out.append(self._issue("fhir.binding", f"{label}: {code!r} is not in {name}"))
        return out

    def _orphan(self, resource: dict[str, Any], label: str, resolver: Resolver) -> list[Issue]:
        subject = (resource.get("subject") or {}).get("reference")
        if resource.get("questionnaire") and subject and resolver.resolves(subject):
            return []
        return [
            self._issue(
                "fhir.orphan_questionnaire_response",
                f"{label}: no questionnaire or no subject that resolves",
            )
        ]
