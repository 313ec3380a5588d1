"""The explicit registry of mappers by record kind, and ``map_record`` that dispatches on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from hub.domain.records import (
    AdtEvent,
    AgencyCareplan,
    AgencyCase,
    AgencyClosure,
    AgencyContact,
    AgencyIntervention,
    AgencyNeedsAssessment,
    AgencyScaleAssessment,
    AgencySupervision,
    CareTeamMember,
    EmergencyHandling,
    FollowUpVisit,
    HospitalAdmission,
    HospitalDiagnosis,
    HospitalMedicationOrder,
    HospitalPatient,
    HospitalScaleAssessment,
    SourceRecord,
    StationRegistration,
)
from mappings import (
    agency_case,
    agency_work,
    hospital,
    hospital_adt,
    hospital_clinical,
    station_events,
    station_follow_up,
    station_registration,
)
from mappings._context import MappingContext, MappingResult, MappingWarning
from mappings._errors import InvalidResource, MappingError, UnknownRecordKind
from mappings._provenance import to_provenance
from mappings._terminology import canonical_data

__all__ = ["MAPPERS", "MAPPING_VERSIONS", "Mapper", "canonical_resources", "map_record"]

Mapped = tuple[list[Any], list[MappingWarning]]


@dataclass(frozen=True)
class Mapper:
    """One record kind's mapping function and the module (and version) it lives in."""

    record_type: type[SourceRecord]
    function: Callable[[Any, MappingContext], Mapped]
    module: str
    version: str


def _mapper(
    record_type: type[SourceRecord], function: Callable[[Any, MappingContext], Mapped], module: Any
) -> Mapper:
    return Mapper(record_type, function, module.__name__, module.MAPPING_VERSION)


#: Record kind -> mapper. An unknown kind raises ``UnknownRecordKind``: no import magic.
MAPPERS: dict[str, Mapper] = {
    "hospital.patient": _mapper(HospitalPatient, hospital.map_hospital_patient, hospital),
    "hospital.admission": _mapper(HospitalAdmission, hospital.map_admission, hospital),
    "hospital.diagnosis": _mapper(
        HospitalDiagnosis, hospital_clinical.map_diagnosis, hospital_clinical
    ),
    "hospital.medication_order": _mapper(
        HospitalMedicationOrder, hospital_clinical.map_medication_order, hospital_clinical
    ),
    "hospital.scale_assessment": _mapper(
        HospitalScaleAssessment, hospital_clinical.map_hospital_scale, hospital_clinical
    ),
    "hospital.adt": _mapper(AdtEvent, hospital_adt.map_adt, hospital_adt),
    "station.registration": _mapper(
        StationRegistration,
        station_registration.map_registration,
        station_registration,
    ),
    "station.follow_up": _mapper(FollowUpVisit, station_follow_up.map_follow_up, station_follow_up),
    "station.emergency": _mapper(EmergencyHandling, station_events.map_emergency, station_events),
    "station.care_team_member": _mapper(
        CareTeamMember, station_events.map_care_team_member, station_events
    ),
    "agency.case": _mapper(AgencyCase, agency_case.map_case, agency_case),
    "agency.needs_assessment": _mapper(
        AgencyNeedsAssessment, agency_case.map_needs_assessment, agency_case
    ),
    "agency.scale": _mapper(AgencyScaleAssessment, agency_case.map_agency_scale, agency_case),
    "agency.closure": _mapper(AgencyClosure, agency_case.map_closure, agency_case),
    "agency.care_plan": _mapper(AgencyCareplan, agency_work.map_care_plan, agency_work),
    "agency.contact": _mapper(AgencyContact, agency_work.map_contact, agency_work),
    "agency.intervention": _mapper(AgencyIntervention, agency_work.map_intervention, agency_work),
    "agency.supervision": _mapper(AgencySupervision, agency_work.map_supervision, agency_work),
}

#: Mapping module -> version; the version goes into every Provenance the module writes.
MAPPING_VERSIONS: dict[str, str] = {m.module: m.version for m in MAPPERS.values()}


def map_record(record: SourceRecord, ctx: MappingContext) -> MappingResult:
    """FHIR resources for one parsed source record, its Provenance last."""
    mapper = MAPPERS.get(record.kind)
    if mapper is None:
        raise UnknownRecordKind(record.kind, record.source_key)
    if not isinstance(record, mapper.record_type):
        raise MappingError(
            record.kind,
            record.source_key,
            "kind",
            type(record).__name__,
            "record type does not match its kind",
        )
    try:
        resources, warnings = mapper.function(record, ctx)
        provenance = to_provenance(record, ctx, resources, mapper.module, mapper.version)
    except ValidationError as exc:  # a source value the models refuse: quarantine the record
        raise InvalidResource(record.kind, record.source_key, exc.title, exc) from exc
    resources = [*resources, provenance]
    return MappingResult(documents=[r.document for r in resources], warnings=warnings)


def canonical_resources() -> list[dict[str, Any]]:
    """Questionnaires, CodeSystems, ValueSets and ConceptMaps shipped as data, as JSON dicts."""
    return [orjson.loads(text) for text in canonical_data()]
