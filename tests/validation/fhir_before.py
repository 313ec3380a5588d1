"""The FHIR link checks as they were before the fast path: the reference for equivalence.

A verbatim copy of the walk over every node and of the resolver that derives every
candidate stable id per record and type (validation/fhir.py before the text pass and the
learned recipes), and of the required-elements check before it named only the resources
with something missing, kept only so a test can show the fast checks find exactly the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from hub.domain.identifiers import stable_id
from hub.domain.records import SourceRecord
from validation.fhir import _EMPTY, REQUIRED, FhirChecks
from validation.links import OURS
from validation.resolver import KEY_PREFIXES
from validation.results import Issue

__all__ = ["BeforeChecks", "Resolver", "candidate_keys", "links"]


class BeforeChecks(FhirChecks):
    """``FhirChecks`` with the link and required-element checks of before."""

    def check(
        self,
        record: SourceRecord,
        system: str,
        resources: Sequence[dict[str, Any]],
        *,
        structure_validated: bool = False,
        text: bytes | None = None,
    ) -> list[Issue]:
        """Issues on the resources one record became, found as before (``text`` unread)."""
        issues: list[Issue] = []
        produced = {(str(r.get("resourceType")), str(r.get("id"))) for r in resources}
        resolver = Resolver(record, system, produced)
        for resource in resources:
            label = f"{resource.get('resourceType')}/{resource.get('id')}"
            if not structure_validated:
                issues += self._structure(resource, label)
            references, codings = links(resource)
            issues += self._required(resource, label)
            issues += self._before_bindings(codings, label)
            issues += [
                self._issue("fhir.reference", f"{label}: reference {ref} resolves nowhere")
                for ref in references
                if not resolver.resolves(ref)
            ]
            if resource.get("resourceType") == "QuestionnaireResponse":
                issues += self._orphan(resource, label, resolver)  # type: ignore[arg-type]
        return issues

    def _required(self, resource: dict[str, Any], label: str) -> list[Issue]:
        missing = []
        # Loops, not any() over a generator per rule: this runs for every resource ingested.
        for names in REQUIRED.get(str(resource.get("resourceType")), ()):
            for name in names:
                value = resource.get(name)
                if value or (value is not None and value not in _EMPTY):  # 0, False: given
                    break
            else:
                missing.append(names[0])
        if not (resource.get("meta") or {}).get("security"):
            missing.append("meta.security")
        return [self._issue("fhir.required", f"{label}: {m} is missing", m) for m in missing]

    def _before_bindings(self, codings: list[Mapping[str, Any]], label: str) -> list[Issue]:
        out = []
        for coding in codings:
            system, code = str(coding["system"]), str(coding["code"])
            allowed = self.bindings.get(system)
            if system.startswith(OURS) and allowed is not None and code not in allowed:
                name = system.removeprefix(OURS)
                out.append(self._issue("fhir.binding", f"{label}: {code!r} is not in {name}"))
        return out


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


def links(resource: dict[str, Any]) -> tuple[list[str], list[Mapping[str, Any]]]:
    """Every reference and every coding in a resource, in document order, in one walk."""
    references: list[str] = []
    codings: list[Mapping[str, Any]] = []
    _walk(resource, references, codings)
    return references, codings


def _walk(node: Any, references: list[str], codings: list[Mapping[str, Any]]) -> None:
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


class Resolver:
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
