"""The Patient compartment: which resources belong to a patient, and through which parameters.

From the FHIR R4 CompartmentDefinition ``patient``, restricted to the types and reference
parameters the hub indexes. ``$everything`` and patient-level Bulk export use it. A golden
Patient made by identity resolution links (``Patient.link``) to the source Patients of the
same person; the compartment of the golden Patient covers theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, and_, or_, select

from hub.search.service import Hit, load_resources
from hub.search.sql import local_reference
from hub.store.batch import ids_in
from hub.store.schema import idx_reference, resource

__all__ = [
    "PATIENT_COMPARTMENT",
    "REFERENCED_TYPES",
    "compartment_resources",
    "linked_patients",
    "referenced_resources",
]

#: Type -> the (indexed) reference parameters that put a resource in a Patient's compartment.
PATIENT_COMPARTMENT: dict[str, tuple[str, ...]] = {
    "Patient": ("link",),
    "RelatedPerson": ("patient",),
    "CareTeam": ("subject", "participant"),
    "Condition": ("subject",),
    "Encounter": ("subject",),
    "EpisodeOfCare": ("patient",),
    "Observation": ("subject", "performer"),
    "QuestionnaireResponse": ("subject", "author"),
    "MedicationRequest": ("subject",),
    "MedicationStatement": ("subject", "source"),
    "CarePlan": ("subject", "performer"),
    "Goal": ("subject",),
    "Procedure": ("subject", "performer"),
    "ServiceRequest": ("subject", "performer"),
    "Task": ("subject",),
    "Consent": ("patient",),
    "Provenance": ("target",),
    "AuditEvent": ("entity",),
    "Group": ("member",),
    "MeasureReport": ("subject",),
}

_LINK_DEPTH = 2


def linked_patients(conn: Connection, patient_id: str) -> list[str]:
    """The patient and the Patients it links to (golden record -> source records), in order."""
    found = [patient_id]
    frontier = [patient_id]
    ref = idx_reference
    for _ in range(_LINK_DEPTH):
        rows = conn.execute(
            select(ref.c.target_id).where(
                ref.c.resource_type == "Patient",
                ref.c.param == "link",
                ids_in(conn, ref.c.resource_id, frontier),
                ref.c.target_type == "Patient",
            )
        )
        frontier = sorted({r[0] for r in rows} - set(found))
        if not frontier:
            break
        found.extend(frontier)
    return found


def persons_of(conn: Connection, patient_ids: list[str]) -> set[str]:
    """Every Patient of the persons these Patients belong to: golden records and sources."""
    if not patient_ids:
        return set()
    ref = idx_reference
    goldens = conn.execute(
        select(ref.c.resource_id).where(
            ref.c.resource_type == "Patient",
            ref.c.param == "link",
            ref.c.target_type == "Patient",
            ids_in(conn, ref.c.target_id, patient_ids),
        )
    )
    found = set(patient_ids)
    for start in sorted(found | {row[0] for row in goldens}):
        found.update(linked_patients(conn, start))
    return found


def managed_episodes(conn: Connection, practitioner: str) -> list[Hit]:
    """The EpisodeOfCare resources whose care manager is this Practitioner (``Practitioner/id``)."""
    ref = idx_reference
    ids = conn.execute(
        select(ref.c.resource_id).where(
            ref.c.resource_type == "EpisodeOfCare",
            ref.c.param == "care-manager",
            ref.c.target_type == "Practitioner",
            ref.c.target_id == practitioner.removeprefix("Practitioner/"),
        )
    )
    return load_resources(conn, [("EpisodeOfCare", row[0]) for row in ids])


def _membership(types: Iterable[str]) -> list[object]:
    ref = idx_reference
    return [
        and_(ref.c.resource_type == t, ref.c.param.in_(PATIENT_COMPARTMENT[t]))
        for t in sorted(types)
    ]


def compartment_resources(
    conn: Connection,
    patient_ids: list[str],
    *,
    types: Iterable[str] | None = None,
    since: datetime | None = None,
    base_url: str = "",
) -> list[Hit]:
    """Current resources in the compartments of the given patients (patients included)."""
    wanted = set(PATIENT_COMPARTMENT) if types is None else set(types) & set(PATIENT_COMPARTMENT)
    ref, r = idx_reference, resource
    hits: dict[tuple[str, str], Hit] = {}
    conditions = [r.c.deleted.is_(False)] + ([r.c.last_updated >= since] if since else [])
    if "Patient" in wanted:
        rows = conn.execute(
            select(r.c.resource_id, r.c.content).where(
                r.c.resource_type == "Patient",
                ids_in(conn, r.c.resource_id, patient_ids),
                *conditions,
            )
        )
        hits.update({("Patient", row[0]): Hit("Patient", row[0], row[1]) for row in rows})
    if wanted:
        query = (
            select(r.c.resource_type, r.c.resource_id, r.c.content)
            .join(
                ref,
                and_(
                    ref.c.resource_type == r.c.resource_type,
                    ref.c.resource_id == r.c.resource_id,
                ),
            )
            .where(
                ref.c.target_type == "Patient",
                ids_in(conn, ref.c.target_id, patient_ids),
                local_reference(ref, base_url),
                or_(*_membership(wanted)),  # type: ignore[arg-type]
                *conditions,
            )
        )
        for row in conn.execute(query):
            hits.setdefault((row[0], row[1]), Hit(row[0], row[1], row[2]))
    order = {pid: i for i, pid in enumerate(patient_ids)}
    return sorted(
        hits.values(),
        key=lambda h: (
            h.resource_type != "Patient",
            order.get(h.resource_id, len(order)) if h.resource_type == "Patient" else 0,
            h.resource_type,
            h.resource_id,
        ),
    )


#: Types outside the compartment that $everything adds when compartment resources refer to them.
REFERENCED_TYPES = ("Organization", "Practitioner", "PractitionerRole")


def referenced_resources(
    conn: Connection,
    hits: list[Hit],
    *,
    types: Iterable[str] = REFERENCED_TYPES,
    base_url: str = "",
) -> list[Hit]:
    """Practitioners, roles and organizations that the given resources refer to.

    Read from the resources' own text, which is at hand: asking the reference index instead
    cost one random index page per resource once the page cache had let them go (about 200
    for a typical patient), and it saw only the references that are search parameters.
    """
    wanted = tuple(sorted(set(types)))
    if not wanted:
        return []
    pattern = _reference_pattern(wanted, base_url)
    found = {(m.group(1), m.group(2)) for hit in hits for m in pattern.finditer(hit.content)}
    return load_resources(conn, sorted(found - {(h.resource_type, h.resource_id) for h in hits}))


@lru_cache(maxsize=32)
def _reference_pattern(types: tuple[str, ...], base_url: str) -> re.Pattern[str]:
    """A JSON member ``"reference": "Type/id"`` (or ``.../_history/v``, or under our base
    URL, which counts as local as in ``local_reference``); groups: the type and the id.

    A scan of the text: parsing every document of a patient to walk it cost 5-11 ms of the
    25-30 of a warm ``$everything`` on the 10,000-patient bench district.

    In JSON text ``"reference":`` with bare quotes is always a key: inside a string value
    every quote is escaped, so a resource that quotes such text in a note never matches.
    """
    base = f"(?:{re.escape(base_url.rstrip('/'))}/)?" if base_url else ""
    kinds = "|".join(re.escape(t) for t in types)
    return re.compile(rf'"reference":\s*"{base}({kinds})/([^"/\\]+)(?:/_history/[^"\\]*)?"')
