"""People and organisations the sources name: Patient, RelatedPerson, Practitioner, Organization."""

from __future__ import annotations

from typing import Any

from hub.domain.codes import identifier_system
from hub.domain.identifiers import birth_date_from_resident_id, is_valid_resident_id, stable_id
from hub.domain.records import IdentifiedPerson
from mappings._context import MappingContext, MappingWarning
from mappings._fhir import build, concept, day, ref
from mappings._terminology import Where, translate

__all__ = ["to_guardian", "to_organization", "to_patient", "to_practitioner"]

_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
_ROLE_CLASS = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"


def _resident_identifier(
    person: IdentifiedPerson, warnings: list[MappingWarning]
) -> dict[str, Any] | None:
    """The national ID as an identifier, when it passes the GB 11643 check."""
    if not person.resident_id:
        return None
    value = person.resident_id.strip().upper()
    if not is_valid_resident_id(value):
        # The value itself never goes into a message.
        warnings.append(
            MappingWarning("resident_id", "resident ID fails the GB 11643 check; left out")
        )
        return None
    if person.birth_date and birth_date_from_resident_id(value) != person.birth_date:
        warnings.append(
            MappingWarning("birth_date", "birth date differs from the one in the resident ID")
        )
    return {
        "use": "official",
        "type": concept(
            {"system": _V2_0203, "code": "NI", "display": "National unique individual identifier"}
        ),
        # Shared with hub.identity (RESIDENT_ID_SYSTEM), which links on it.
        "system": identifier_system("cn-resident-id"),
        "value": value,
    }


def to_patient(
    person: IdentifiedPerson,
    ctx: MappingContext,
    patient_key: str,
    sex_map: str,
    extra: dict[str, Any] | None = None,
    recorded: str | None = None,
) -> tuple[Any, list[MappingWarning]]:
    """Patient for one source's record of a person; identifiers per source namespace.

    ``recorded``: when the source recorded the person's details, where more than one of its
    records writes the same Patient (the HIS view and ADT messages): see ``build``.
    """
    warnings: list[MappingWarning] = []
    where = Where(person.kind, person.source_key)
    local = {
        "use": "usual",
        "type": concept({"system": _V2_0203, "code": "MR", "display": "Medical record number"}),
        "system": identifier_system(f"{ctx.source_system}-patient"),
        "value": patient_key,
    }
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "contact": [_guardian_contact(person, where)],
        "id": stable_id(ctx.source_system, "Patient", patient_key),
        "identifier": [local, _resident_identifier(person, warnings)],
        "name": [{"use": "official", "text": person.name}] if person.name else None,
        "telecom": [{"system": "phone", "value": person.phone}] if person.phone else None,
        "gender": translate(sex_map, person.sex, "sex", where)["code"] if person.sex else None,
        "birthDate": day(person.birth_date),
        "address": [{"use": "home", "text": person.address}] if person.address else None,
    }
    return build(data | (extra or {}), recorded=recorded), warnings


# Each system spells the relation its own way (HIS words, HL7 0063, GB/T 4761, English).
_RELATION_MAPS = {
    "hospital.patient": "hospital-guardian-relation",
    "hospital.adt": "adt-guardian-relation",
    "station.registration": "station-guardian-relation",
    "agency.case": "agency-guardian-relation",
}


def _relation(person: IdentifiedPerson, where: Where) -> dict[str, str] | None:
    if not person.guardian_relation:
        return None
    concept_map = _RELATION_MAPS[person.kind]
    return translate(concept_map, person.guardian_relation, "guardian_relation", where)


def _guardian_contact(person: IdentifiedPerson, where: Where) -> dict[str, Any] | None:
    """Patient.contact for the guardian, which identity resolution compares."""
    if not (person.guardian_name or person.guardian_phone):
        return None
    guardian = {"system": _ROLE_CLASS, "code": "GUARD", "display": "guardian"}
    return {
        "relationship": [concept(_relation(person, where)), concept(guardian)],
        "name": {"text": person.guardian_name} if person.guardian_name else None,
        "telecom": [{"system": "phone", "value": person.guardian_phone}]
        if person.guardian_phone
        else None,
    }


def to_guardian(person: IdentifiedPerson, ctx: MappingContext, patient_key: str) -> Any | None:
    """RelatedPerson for the guardian or family carer, when the source names one."""
    if not (person.guardian_name or person.guardian_phone):
        return None
    relation = _relation(person, Where(person.kind, person.source_key))
    guardian = {"system": _ROLE_CLASS, "code": "GUARD", "display": "guardian"}
    return build(
        {
            "resourceType": "RelatedPerson",
            "id": stable_id(ctx.source_system, "RelatedPerson", f"guardian|{patient_key}"),
            "active": True,
            "patient": ref(ctx, "Patient", patient_key),
            "relationship": [concept(relation), concept(guardian)],
            "name": [{"text": person.guardian_name}] if person.guardian_name else None,
            "telecom": [{"system": "phone", "value": person.guardian_phone}]
            if person.guardian_phone
            else None,
        }
    )


def to_practitioner(ctx: MappingContext, staff_id: str, name: str | None) -> Any:
    """Practitioner for a doctor or worker a record names by staff id (a stub without a name)."""
    return build(
        {
            "resourceType": "Practitioner",
            "id": stable_id(ctx.source_system, "Practitioner", staff_id),
            "identifier": [
                {"system": identifier_system(f"{ctx.source_system}-staff"), "value": staff_id}
            ],
            "name": [{"text": name}] if name else None,
        },
        stub=name is None,
    )


# organization-type: a station or hospital is a provider; the agency is neither payer nor
# provider of health care, so "other".
_ORGANIZATION_TYPE = {"station": ("prov", "Healthcare Provider"), "agency": ("other", "Other")}


def to_organization(ctx: MappingContext, code: str, name: str | None, kind: str) -> Any:
    """Organization for a facility a record names by code (station, hospital, agency)."""
    type_code, type_display = _ORGANIZATION_TYPE.get(kind, ("prov", "Healthcare Provider"))
    return build(
        {
            "resourceType": "Organization",
            "id": stable_id(ctx.source_system, "Organization", code),
            "identifier": [{"system": identifier_system(f"{kind}-organization"), "value": code}],
            "active": True,
            "type": [
                concept(
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": type_code,
                        "display": type_display,
                    }
                )
            ],
            "name": name,
        },
        stub=name is None,
    )
