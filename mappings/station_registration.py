"""Station registration (患者基本信息) -> Patient, RelatedPerson, Organization, Practitioner,
Condition, EpisodeOfCare (community management) and Consent."""

from __future__ import annotations

from typing import Any

from hub.domain.codes import identifier_system
from hub.domain.identifiers import stable_id
from hub.domain.records import StationRegistration
from mappings._consent import ConsentFacts, to_consent
from mappings._context import MappingContext, MappingWarning
from mappings._fhir import build, concept, day, extension_url, logical_ref, ours, ref
from mappings._people import to_guardian, to_organization, to_patient, to_practitioner
from mappings._terminology import Where, local_code, translate

__all__ = [
    "MAPPING_VERSION",
    "map_registration",
    "to_community_episode",
    "to_smd_condition",
]

MAPPING_VERSION = "1.0.0"

_CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def community_episode_key(registration_no: str) -> str:
    """Key of the community-management EpisodeOfCare of one registration."""
    return f"community|{registration_no}"


def to_smd_condition(reg: StationRegistration, ctx: MappingContext) -> Any:
    """Condition: the registered diagnosis, ICD-10 first, the national code second."""
    where = Where(reg.kind, reg.source_key)
    national = local_code("smd-diagnosis", reg.diagnosis_code, "diagnosis_code", where)
    icd10 = translate("smd-diagnosis-icd10", reg.diagnosis_code, "diagnosis_code", where)
    confirmed = {"system": _VERIFICATION, "code": "confirmed", "display": "Confirmed"}
    return build(
        {
            "resourceType": "Condition",
            "id": stable_id(ctx.source_system, "Condition", f"registration|{reg.registration_no}"),
            "clinicalStatus": concept({"system": _CLINICAL, "code": "active", "display": "Active"}),
            # The national system registers only diagnoses confirmed by a psychiatric hospital.
            "verificationStatus": concept(confirmed),
            "category": [
                concept(
                    {
                        "system": _CONDITION_CATEGORY,
                        "code": "problem-list-item",
                        "display": "Problem List Item",
                    }
                )
            ],
            "code": concept(icd10, national),
            "subject": ref(ctx, "Patient", reg.registration_no),
            "onsetDateTime": day(reg.onset_date),
            "recordedDate": day(reg.confirmed_on or reg.registered_on),
            "note": [{"text": f"Confirmed by {reg.confirming_hospital}"}]
            if reg.confirming_hospital
            else None,
        }
    )


def _status_history(
    reg: StationRegistration, status: str, warnings: list[MappingWarning]
) -> list[dict[str, Any]] | None:
    """Active from registration until the status change, then the current status."""
    if status == "active":
        return None
    if reg.status_changed_on is None:
        warnings.append(
            MappingWarning("status_changed_on", "management ended but no status change date")
        )
        return [{"status": status, "period": {"start": day(reg.registered_on)}}]
    return [
        {
            "status": "active",
            "period": {"start": day(reg.registered_on), "end": day(reg.status_changed_on)},
        },
        {"status": status, "period": {"start": day(reg.status_changed_on)}},
    ]


def to_community_episode(
    reg: StationRegistration, ctx: MappingContext
) -> tuple[Any, list[MappingWarning]]:
    """EpisodeOfCare for community management; lost, deceased or moved away -> finished."""
    where = Where(reg.kind, reg.source_key)
    warnings: list[MappingWarning] = []
    status = translate(
        "station-management-status", reg.management_status, "management_status", where
    )
    detail = translate(
        "station-management-status-code", reg.management_status, "management_status", where
    )
    extensions = [{"url": extension_url("management-status"), "valueCoding": detail}]
    if reg.loss_reason:
        reason = local_code("smd-loss-reason", reg.loss_reason, "loss_reason", where)
        extensions.append({"url": extension_url("loss-to-follow-up-reason"), "valueCoding": reason})
    finished = status["code"] == "finished"
    episode = build(
        {
            "resourceType": "EpisodeOfCare",
            "id": stable_id(
                ctx.source_system, "EpisodeOfCare", community_episode_key(reg.registration_no)
            ),
            "extension": extensions,
            "identifier": [
                {"system": identifier_system("station-registration"), "value": reg.registration_no}
            ],
            "status": status["code"],
            "statusHistory": _status_history(reg, status["code"], warnings),
            "type": [concept(ours("episode-type", "community-management"))],
            "diagnosis": [
                {
                    "condition": ref(ctx, "Condition", f"registration|{reg.registration_no}"),
                    "rank": 1,
                }
            ],
            "patient": ref(ctx, "Patient", reg.registration_no),
            "managingOrganization": ref(ctx, "Organization", reg.station_code),
            "period": {
                "start": day(reg.registered_on),
                "end": day(reg.status_changed_on) if finished else None,
            },
            "careManager": ref(ctx, "Practitioner", reg.doctor_id) if reg.doctor_id else None,
        }
    )
    return episode, warnings


def _patient_extras(reg: StationRegistration, ctx: MappingContext) -> dict[str, Any]:
    """Area, managing station, prevention doctor and death, on top of the demographics."""
    where = Where(reg.kind, reg.source_key)
    economic = (
        local_code("economic-status", reg.economic_status, "economic_status", where)
        if reg.economic_status
        else None
    )
    extra: dict[str, Any] = {
        # The area drives district statistics and catchment-based access; no standard element.
        "extension": [
            {"url": extension_url("sub-district"), "valueCode": reg.street_code},
            {"url": extension_url("neighbourhood"), "valueString": reg.neighbourhood},
            {"url": extension_url("economic-status"), "valueCoding": economic},
        ],
        "managingOrganization": ref(ctx, "Organization", reg.station_code),
        "generalPractitioner": [ref(ctx, "Practitioner", reg.doctor_id)] if reg.doctor_id else None,
    }
    status = translate(
        "station-management-status-code", reg.management_status, "management_status", where
    )
    if status["code"] == "deceased" and reg.status_changed_on:
        extra["deceasedDateTime"] = day(reg.status_changed_on)
    elif status["code"] == "deceased":
        extra["deceasedBoolean"] = True
    return extra


def _share_with_agency(reg: StationRegistration, ctx: MappingContext) -> Any | None:
    """Consent to share with the district's social-work agency, when the station records it."""
    if reg.consent_to_share is None:
        return None
    recipient = logical_ref(
        identifier_system("district-social-work-agency"),
        ctx.district_code,
        "social-work agency of the district",
    )
    facts = ConsentFacts(
        key=f"registration|{reg.registration_no}|share-with-agency",
        patient_key=reg.registration_no,
        given=reg.consent_to_share,
        recipient=recipient,
        organization=ref(ctx, "Organization", reg.station_code),
    )
    return to_consent(facts, ctx)


def map_registration(
    reg: StationRegistration, ctx: MappingContext
) -> tuple[list[Any], list[MappingWarning]]:
    """Everything a registration holds."""
    patient, warnings = to_patient(
        reg, ctx, reg.registration_no, "station-sex", _patient_extras(reg, ctx)
    )
    episode, episode_warnings = to_community_episode(reg, ctx)
    resources = [
        patient,
        to_guardian(reg, ctx, reg.registration_no),
        to_organization(ctx, reg.station_code, reg.station_name, "station"),
        to_practitioner(ctx, reg.doctor_id, reg.doctor_name) if reg.doctor_id else None,
        to_smd_condition(reg, ctx),
        episode,
        _share_with_agency(reg, ctx),
    ]
    return [r for r in resources if r is not None], warnings + episode_warnings
