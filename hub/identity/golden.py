"""The golden Patient of a cluster, and the links between it and its source Patients. Pure.

Survivorship (which member's value the golden record keeps):

* birthDate and gender: from a valid resident ID when a member has one (the check digit
  vouches for it); otherwise the value most members agree on, ties to the most recently
  updated member.
* name: the name in Chinese characters most members agree on (pinyin loses the
  characters); a pinyin name only when no member has characters.
* identifier: every member's identifiers, deduplicated, minus resident IDs that fail
  their check digit.
* telecom, address, contact: from the most recently updated member that has them (people
  move and change numbers; the newest record is the best guess).
* link: one ``seealso`` link to each source Patient. A source Patient points back with a
  ``refer`` link (:func:`source_patient_link`): it stays in use, the golden record is
  the one to consult.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hub.domain.codes import code_system_url
from hub.domain.identifiers import birth_date_from_resident_id, is_valid_resident_id
from hub.identity.clustering import Clustering
from hub.identity.names import name_keys
from hub.identity.person import RESIDENT_ID_SYSTEM

__all__ = [
    "GOLDEN_TAG",
    "golden_patient",
    "golden_successors",
    "replacement_links",
    "source_patient_link",
]

#: meta.tag that marks a Patient as the golden record of a person.
GOLDEN_TAG = {"system": code_system_url("identity"), "code": "golden", "display": "golden record"}

Patient = dict[str, Any]


def _updated(patient: Patient) -> str:
    """meta.lastUpdated, or '' so that undated records count as oldest."""
    return str((patient.get("meta") or {}).get("lastUpdated") or "")


def _newest_first(members: Sequence[Patient]) -> list[Patient]:
    """Members from the most recently updated; ties by id, so the order is stable."""
    by_id = sorted(members, key=lambda p: str(p["id"]))
    return sorted(by_id, key=_updated, reverse=True)


def _vote(members: Sequence[Patient], value: Callable[[Patient], Any]) -> Any:
    """The value most members hold; ties go to the most recently updated member."""
    ordered = _newest_first(members)
    values = [v for v in (value(p) for p in ordered) if v not in (None, "", [])]
    if not values:
        return None
    counts = Counter(repr(v) for v in values)
    best = max(counts.values())
    return next(v for v in values if counts[repr(v)] == best)


def _resident_ids(members: Sequence[Patient]) -> list[str]:
    """Valid resident IDs of the members, most common first."""
    found = [
        str(ident["value"]).strip().upper()
        for p in _newest_first(members)
        for ident in p.get("identifier") or []
        if ident.get("system") == RESIDENT_ID_SYSTEM
        and is_valid_resident_id(str(ident.get("value")))
    ]
    return [rid for rid, _ in Counter(found).most_common()]


def _best_name(members: Sequence[Patient]) -> dict[str, Any] | None:
    """The HumanName most members write in characters, else the most common one."""

    def in_characters(p: Patient) -> dict[str, Any] | None:
        """The member's first name written in characters."""
        for name in p.get("name") or []:
            text = name.get("text") or (name.get("family") or "") + "".join(name.get("given") or [])
            if name_keys(text).hanzi:
                return dict(name)
        return None

    best = _vote(members, in_characters)
    if best is None:
        best = _vote(members, lambda p: next(iter(p.get("name") or []), None))
    return dict(best) if best else None


def _identifiers(members: Sequence[Patient]) -> list[dict[str, Any]]:
    """Every member identifier once, dropping resident IDs that fail their check digit."""
    seen: set[tuple[str, str]] = set()
    kept: list[dict[str, Any]] = []
    for patient in sorted(members, key=lambda p: str(p["id"])):
        for ident in patient.get("identifier") or []:
            system, value = str(ident.get("system")), str(ident.get("value"))
            if system == RESIDENT_ID_SYSTEM and not is_valid_resident_id(value):
                continue
            if (system, value) not in seen:
                seen.add((system, value))
                kept.append(dict(ident))
    return kept


def _newest(members: Sequence[Patient], field: str) -> Any:
    """The field from the most recently updated member that has it."""
    return next((p[field] for p in _newest_first(members) if p.get(field)), None)


def _birth_and_gender(members: Sequence[Patient]) -> tuple[str | None, str | None]:
    """birthDate and gender: the resident ID's when there is one, else the members' vote."""
    rids = _resident_ids(members)
    if rids:
        born = birth_date_from_resident_id(rids[0])
        gender = "male" if int(rids[0][16]) % 2 else "female"
        return (born.isoformat() if born else None), gender
    return _vote(members, lambda p: p.get("birthDate")), _vote(members, lambda p: p.get("gender"))


def golden_patient(cluster_id: str, members: list[Patient]) -> Patient:
    """Build the golden Patient (FHIR JSON) of a cluster from its member source Patients."""
    if not members:
        raise ValueError("a golden patient needs at least one member")
    birth, gender = _birth_and_gender(members)
    golden: Patient = {
        "resourceType": "Patient",
        "id": cluster_id,
        "meta": {"tag": [dict(GOLDEN_TAG)]},
        "active": True,
        "identifier": _identifiers(members),
    }
    optional = {
        "name": [n] if (n := _best_name(members)) else None,
        "gender": gender,
        "birthDate": birth,
        "telecom": _newest(members, "telecom"),
        "address": _newest(members, "address"),
        "contact": _newest(members, "contact"),
    }
    golden.update({k: v for k, v in optional.items() if v})
    golden["link"] = [
        {"other": {"reference": f"Patient/{p['id']}"}, "type": "seealso"}
        for p in sorted(members, key=lambda p: str(p["id"]))
    ]
    return golden


def source_patient_link(golden_id: str) -> dict[str, Any]:
    """The Patient.link a source Patient carries to its golden Patient (type ``refer``)."""
    return {"other": {"reference": f"Patient/{golden_id}"}, "type": "refer"}


def golden_successors(
    previous: Clustering, current: Clustering, among: Iterable[str] | None = None
) -> dict[str, str]:
    """Golden ids of the previous run that are gone, each with the id that took its place.

    A golden id comes from its cluster's smallest member key, so it changes only when a
    merge brings in a smaller key or a split takes that key away; the successor is the
    cluster that now holds the old smallest key. ``among`` limits the question to the
    previous golden persons of these records (an incremental run knows which it touched).
    """
    olds = (
        previous.members
        if among is None
        else {previous.cluster_of[k] for k in among if k in previous.cluster_of}
    )
    return {
        old: current.cluster_of[previous.members[old][0]]
        for old in olds
        if old not in current.members and previous.members[old][0] in current.cluster_of
    }


def replacement_links(old_id: str, new_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(link for the old golden Patient, link for the new one): replaced-by / replaces."""
    return (
        {"other": {"reference": f"Patient/{new_id}"}, "type": "replaced-by"},
        {"other": {"reference": f"Patient/{old_id}"}, "type": "replaces"},
    )
