"""Running the continuity rules over the store: who the persons are, their resources, Tasks.

The edge around the pure core: reads a person's resources (golden Patient and the source
Patients it links), evaluates the rules, and writes open gaps as Tasks and closes those the
evidence has answered, through the store so the Tasks are indexed for ``/fhir/Task``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, select

from hub.continuity.catalogue import RULES, evaluate
from hub.continuity.facts import read_facts
from hub.continuity.rules import ContinuityOptions
from hub.continuity.tasks import RULE_SYSTEM, close_task, gap_task, source_organization
from hub.search.compartment import compartment_resources, linked_patients
from hub.store import FhirStore, StoreSession
from hub.store.schema import resource
from hub.timeline.read import Resource, code_of, reference_of

__all__ = [
    "EvaluationSummary",
    "batch_resources",
    "continuity_tasks",
    "evaluate_person",
    "evaluate_store",
    "person_ids",
    "person_members",
    "person_resources",
]

_GOLDEN = ("https://carehub.org/fhir/CodeSystem/identity", "golden")
_BATCH = 200


@dataclass
class EvaluationSummary:
    """What one evaluation did."""

    as_of: date
    persons: int = 0
    open: int = 0
    closed: int = 0
    written: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON shape for the API and the command."""
        return {
            "as_of": self.as_of.isoformat(),
            "persons": self.persons,
            "open": self.open,
            "closed": self.closed,
            "written": self.written,
            "by_rule": dict(sorted(self.by_rule.items())),
        }


def _is_golden(patient: Resource) -> bool:
    tags = (patient.get("meta") or {}).get("tag") or []
    return any((t.get("system"), t.get("code")) == _GOLDEN for t in tags)


def person_members(conn: Connection) -> dict[str, list[str]]:
    """Person (golden or lone source Patient id) -> the Patient ids whose resources are theirs."""
    rows = conn.execute(
        select(resource.c.resource_id, resource.c.content).where(
            resource.c.resource_type == "Patient", resource.c.deleted.is_(False)
        )
    )
    patients = {rid: orjson.loads(content) for rid, content in rows}
    persons: dict[str, list[str]] = {}
    covered: set[str] = set()
    for pid, patient in patients.items():
        if not _is_golden(patient):
            continue
        links = patient.get("link") or []
        linked = [(reference_of(link.get("other")) or "/").split("/", 1)[1] for link in links]
        covered.update(linked)
        if not any(link.get("type") == "replaced-by" for link in links):
            seealso = [
                i for i, link in zip(linked, links, strict=True) if link.get("type") == "seealso"
            ]
            persons[pid] = [pid, *seealso]
    for pid, patient in patients.items():
        if pid not in covered and not _is_golden(patient) and not _refers(patient):
            persons[pid] = [pid]
    return dict(sorted(persons.items()))


def person_ids(conn: Connection) -> list[str]:
    """One Patient id per person: golden records, and source Patients no golden record covers."""
    return list(person_members(conn))


def _refers(patient: Resource) -> bool:
    """A source Patient pointing at its golden record (link type ``refer``)."""
    return any(link.get("type") == "refer" for link in patient.get("link") or [])


def person_resources(session: StoreSession, patient_id: str) -> list[Resource]:
    """Every current resource of the person, plus the Organizations their episodes name."""
    patients = linked_patients(session.conn, patient_id)
    found = [orjson.loads(h.content) for h in compartment_resources(session.conn, patients)]
    org_ids = sorted(
        {
            (reference_of(r.get("managingOrganization")) or "").split("/", 1)[-1]
            for r in found
            if r.get("resourceType") == "EpisodeOfCare" and r.get("managingOrganization")
        }
        - {""}
    )
    found += [s.as_dict() for s in session.read_many("Organization", org_ids)]
    return found


def _patient_of(r: Resource) -> str | None:
    if r.get("resourceType") == "Patient":
        return str(r.get("id"))
    for key in ("subject", "patient", "for"):
        ref = reference_of(r.get(key))
        if ref and ref.startswith("Patient/"):
            return ref.split("/", 1)[1]
    return None


def batch_resources(
    session: StoreSession, members: dict[str, list[str]]
) -> dict[str, list[Resource]]:
    """Resources of many persons in one compartment query, grouped by person."""
    owner = {m: person for person, ids in members.items() for m in ids}
    hits = compartment_resources(session.conn, sorted(owner))
    grouped: dict[str, list[Resource]] = {person: [] for person in members}
    org_ids: set[str] = set()
    for hit in hits:
        r = orjson.loads(hit.content)
        person = owner.get(_patient_of(r) or "")
        if person is not None:
            grouped[person].append(r)
            org = reference_of(r.get("managingOrganization"))
            if org:
                org_ids.add(org.split("/", 1)[1])
    orgs = {s.resource_id: s.as_dict() for s in session.read_many("Organization", sorted(org_ids))}
    for resources in grouped.values():
        wanted = {
            (reference_of(r.get("managingOrganization")) or "/").split("/", 1)[1] for r in resources
        }
        resources += [orgs[o] for o in sorted(wanted) if o in orgs]
    return grouped


def continuity_tasks(resources: Sequence[Resource]) -> list[Resource]:
    """The Tasks among a person's resources that this package wrote."""
    return [
        r
        for r in resources
        if r.get("resourceType") == "Task" and code_of(r.get("code"), RULE_SYSTEM) is not None
    ]


def evaluate_person(
    patient_id: str, resources: Sequence[Resource], as_of: date, options: ContinuityOptions
) -> tuple[list[Resource], int, int]:
    """(Tasks to write, how many open, how many closed now) for one person."""
    facts = read_facts(patient_id, resources)
    findings = evaluate(facts, as_of, options)
    rules = {r.id: r for r in RULES}
    open_tasks = {
        t["id"]: t for f in findings if f.is_open for t in [gap_task(f, rules[f.rule], facts)]
    }
    resolved = {gap_task(f, rules[f.rule], facts)["id"]: f for f in findings if not f.is_open}
    closing: list[Resource] = []
    for task in continuity_tasks(resources):
        if task.get("status") != "requested" or task["id"] in open_tasks:
            continue
        finding = resolved.get(task["id"])
        if finding is not None:
            closing.append(close_task(task, finding.closed_by, finding.closed_on or as_of))
        else:
            closing.append(close_task(task, None, as_of))
    return [*open_tasks.values(), *closing], len(open_tasks), len(closing)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_SOURCE_ORGANIZATIONS = {
    f"Organization/{org['id']}": org
    for org in (source_organization(o) for o in ("station", "agency", "hospital"))
}


def _owner_organizations(tasks: Sequence[Resource]) -> list[Resource]:
    """The source-system Organizations these Tasks are owned by (unchanged ones write nothing)."""
    owners = {reference_of(t.get("owner")) for t in tasks}
    return [org for ref, org in _SOURCE_ORGANIZATIONS.items() if ref in owners]


def evaluate_store(
    store: FhirStore, *, as_of: date, options: ContinuityOptions
) -> EvaluationSummary:
    """Evaluate every person and write/close their Tasks (one transaction per batch)."""
    summary = EvaluationSummary(as_of)
    with store.reading() as session:
        members = person_members(session.conn)
    for batch in _chunks(list(members), _BATCH):
        with store.begin() as session:
            documents: list[Resource] = []
            loaded = batch_resources(session, {p: members[p] for p in batch})
            for pid in batch:
                tasks, opened, closed = evaluate_person(pid, loaded[pid], as_of, options)
                documents += tasks
                summary.open += opened
                summary.closed += closed
                for t in tasks:
                    if t["status"] == "requested":
                        rule = code_of(t["code"], RULE_SYSTEM) or ""
                        summary.by_rule[rule] = summary.by_rule.get(rule, 0) + 1
            session.write_many(_owner_organizations(documents))  # before the Tasks naming them
            written = session.write_many(documents)
            summary.written += written.created + written.updated
        summary.persons += len(batch)
    return summary
