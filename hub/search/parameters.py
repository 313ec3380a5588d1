"""The search parameters the hub supports, per resource type (standard FHIR R4 definitions).

Each parameter has a type (token, string, date, reference, quantity, uri, number) and the
element paths it indexes. A path is a dotted walk from the resource root; ``x[x]`` matches
every choice-type variant (``effectiveDateTime``, ``effectivePeriod``...). ``targets`` limits a
reference parameter to target types (``patient`` = ``subject`` restricted to Patient).
The CapabilityStatement is generated from this table, so it states exactly what is indexed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

__all__ = ["COMMON_PARAMETERS", "SEARCH_PARAMETERS", "SearchParameter", "parameters_for"]


@dataclass(frozen=True)
class SearchParameter:
    """One search parameter of one resource type."""

    code: str
    type: str  # token | string | date | reference | quantity | uri | number
    paths: tuple[str, ...]
    targets: tuple[str, ...] = ()
    #: Indexed under another parameter (``patient`` is ``subject`` restricted to Patient):
    #: no index rows of its own, the query reads the other parameter's rows.
    alias_of: str | None = None


def _p(
    code: str,
    type_: str,
    *paths: str,
    targets: tuple[str, ...] = (),
    alias_of: str | None = None,
) -> SearchParameter:
    return SearchParameter(code, type_, tuple(paths), targets, alias_of)


_PATIENT = ("Patient",)

#: Parameters every resource type has (``_id`` and ``_lastUpdated`` use the resource table).
COMMON_PARAMETERS: tuple[SearchParameter, ...] = (
    _p("_tag", "token", "meta.tag"),
    _p("_security", "token", "meta.security"),
    _p("_profile", "uri", "meta.profile"),
    _p("_source", "uri", "meta.source"),
)


def _clinical(subject_path: str, *extra: SearchParameter) -> list[SearchParameter]:
    """subject + patient, the pair most clinical resources have."""
    return [
        _p("subject", "reference", subject_path),
        _p("patient", "reference", subject_path, targets=_PATIENT, alias_of="subject"),
        *extra,
    ]


SEARCH_PARAMETERS: dict[str, list[SearchParameter]] = {
    "Patient": [
        _p("identifier", "token", "identifier"),
        _p("name", "string", "name"),
        _p("family", "string", "name.family"),
        _p("given", "string", "name.given"),
        _p("birthdate", "date", "birthDate"),
        _p("gender", "token", "gender"),
        _p("telecom", "token", "telecom"),
        _p("phone", "token", "telecom", alias_of="telecom"),
        _p("address", "string", "address"),
        _p("active", "token", "active"),
        _p("link", "reference", "link.other"),
        _p("general-practitioner", "reference", "generalPractitioner"),
        _p("organization", "reference", "managingOrganization"),
        _p("deceased", "token", "deceasedBoolean"),
        _p("death-date", "date", "deceasedDateTime"),
    ],
    "RelatedPerson": [
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "patient"),
        _p("name", "string", "name"),
        _p("relationship", "token", "relationship"),
        _p("active", "token", "active"),
    ],
    "Practitioner": [
        _p("identifier", "token", "identifier"),
        _p("name", "string", "name"),
        _p("active", "token", "active"),
    ],
    "PractitionerRole": [
        _p("identifier", "token", "identifier"),
        _p("practitioner", "reference", "practitioner"),
        _p("organization", "reference", "organization"),
        _p("role", "token", "code"),
        _p("active", "token", "active"),
    ],
    "Organization": [
        _p("identifier", "token", "identifier"),
        _p("name", "string", "name"),
        _p("type", "token", "type"),
        _p("partof", "reference", "partOf"),
        _p("active", "token", "active"),
    ],
    "CareTeam": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("status", "token", "status"),
        _p("category", "token", "category"),
        _p("participant", "reference", "participant.member"),
        _p("date", "date", "period"),
        _p("encounter", "reference", "encounter"),
    ),
    "Condition": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("code", "token", "code"),
        _p("category", "token", "category"),
        _p("clinical-status", "token", "clinicalStatus"),
        _p("verification-status", "token", "verificationStatus"),
        _p("onset-date", "date", "onset[x]"),
        _p("recorded-date", "date", "recordedDate"),
        _p("encounter", "reference", "encounter"),
        _p("evidence-detail", "reference", "evidence.detail"),
    ),
    "Encounter": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("status", "token", "status"),
        _p("class", "token", "class"),
        _p("type", "token", "type"),
        _p("date", "date", "period"),
        _p("episode-of-care", "reference", "episodeOfCare"),
        _p("participant", "reference", "participant.individual"),
        _p(
            "practitioner",
            "reference",
            "participant.individual",
            targets=("Practitioner",),
            alias_of="participant",
        ),
        _p("service-provider", "reference", "serviceProvider"),
        _p("based-on", "reference", "basedOn"),
        _p("part-of", "reference", "partOf"),
        _p("reason-reference", "reference", "reasonReference"),
        _p("diagnosis", "reference", "diagnosis.condition"),
        _p("location", "reference", "location.location"),
    ),
    "EpisodeOfCare": [
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "patient"),
        _p("status", "token", "status"),
        _p("type", "token", "type"),
        _p("date", "date", "period"),
        _p("organization", "reference", "managingOrganization"),
        _p("care-manager", "reference", "careManager"),
        _p("condition", "reference", "diagnosis.condition"),
    ],
    "Observation": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("code", "token", "code"),
        _p("category", "token", "category"),
        _p("status", "token", "status"),
        _p("date", "date", "effective[x]"),
        _p("encounter", "reference", "encounter"),
        _p("based-on", "reference", "basedOn"),
        _p("part-of", "reference", "partOf"),
        _p("derived-from", "reference", "derivedFrom"),
        _p("has-member", "reference", "hasMember"),
        _p("focus", "reference", "focus"),
        _p("performer", "reference", "performer"),
        _p("value-quantity", "quantity", "valueQuantity", "valueInteger"),
        _p("value-concept", "token", "valueCodeableConcept", "valueBoolean"),
        _p("value-date", "date", "valueDateTime", "valuePeriod"),
        _p("value-string", "string", "valueString"),
    ),
    "QuestionnaireResponse": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("questionnaire", "reference", "questionnaire"),
        _p("status", "token", "status"),
        _p("authored", "date", "authored"),
        _p("author", "reference", "author"),
        _p("source", "reference", "source"),
        _p("encounter", "reference", "encounter"),
        _p("based-on", "reference", "basedOn"),
        _p("part-of", "reference", "partOf"),
    ),
    "Questionnaire": [
        _p("url", "uri", "url"),
        _p("identifier", "token", "identifier"),
        _p("name", "string", "name"),
        _p("title", "string", "title"),
        _p("status", "token", "status"),
        _p("version", "token", "version"),
        _p("code", "token", "code", "item.code"),
        _p("date", "date", "date"),
    ],
    "MedicationRequest": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("status", "token", "status"),
        _p("intent", "token", "intent"),
        _p("code", "token", "medicationCodeableConcept"),
        _p("medication", "reference", "medicationReference"),
        _p("authoredon", "date", "authoredOn"),
        _p("encounter", "reference", "encounter"),
        _p("requester", "reference", "requester"),
        _p("category", "token", "category"),
    ),
    "MedicationStatement": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("status", "token", "status"),
        _p("code", "token", "medicationCodeableConcept"),
        _p("medication", "reference", "medicationReference"),
        _p("effective", "date", "effective[x]"),
        _p("context", "reference", "context"),
        _p("part-of", "reference", "partOf"),
        _p("category", "token", "category"),
        _p("source", "reference", "informationSource"),
    ),
    "CarePlan": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("status", "token", "status"),
        _p("intent", "token", "intent"),
        _p("category", "token", "category"),
        _p("date", "date", "period"),
        _p("goal", "reference", "goal"),
        _p("care-team", "reference", "careTeam"),
        _p("encounter", "reference", "encounter"),
        _p("based-on", "reference", "basedOn"),
        _p("part-of", "reference", "partOf"),
        _p("replaces", "reference", "replaces"),
        _p("activity-reference", "reference", "activity.reference"),
        _p("activity-code", "token", "activity.detail.code"),
        _p("condition", "reference", "addresses"),
        _p("performer", "reference", "activity.detail.performer"),
    ),
    "Goal": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("lifecycle-status", "token", "lifecycleStatus"),
        _p("achievement-status", "token", "achievementStatus"),
        _p("category", "token", "category"),
        _p("target-date", "date", "target.dueDate"),
        _p("start-date", "date", "startDate"),
    ),
    "Procedure": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("status", "token", "status"),
        _p("code", "token", "code"),
        _p("category", "token", "category"),
        _p("date", "date", "performed[x]"),
        _p("encounter", "reference", "encounter"),
        _p("based-on", "reference", "basedOn"),
        _p("part-of", "reference", "partOf"),
        _p("performer", "reference", "performer.actor"),
    ),
    "ServiceRequest": _clinical(
        "subject",
        _p("identifier", "token", "identifier"),
        _p("status", "token", "status"),
        _p("intent", "token", "intent"),
        _p("code", "token", "code"),
        _p("category", "token", "category"),
        _p("authored", "date", "authoredOn"),
        _p("encounter", "reference", "encounter"),
        _p("based-on", "reference", "basedOn"),
        _p("requester", "reference", "requester"),
        _p("performer", "reference", "performer"),
    ),
    "Task": [
        _p("identifier", "token", "identifier"),
        _p("status", "token", "status"),
        _p("business-status", "token", "businessStatus"),
        _p("intent", "token", "intent"),
        _p("code", "token", "code"),
        _p("priority", "token", "priority"),
        _p("subject", "reference", "for"),
        _p("patient", "reference", "for", targets=_PATIENT, alias_of="subject"),
        _p("focus", "reference", "focus"),
        _p("owner", "reference", "owner"),
        _p("requester", "reference", "requester"),
        _p("part-of", "reference", "partOf"),
        _p("based-on", "reference", "basedOn"),
        _p("encounter", "reference", "encounter"),
        _p("authored-on", "date", "authoredOn"),
        _p("modified", "date", "lastModified"),
        _p("period", "date", "executionPeriod"),
        _p("due-date", "date", "restriction.period.end"),
    ],
    "Consent": [
        _p("identifier", "token", "identifier"),
        _p("patient", "reference", "patient"),
        _p("status", "token", "status"),
        _p("category", "token", "category"),
        _p("scope", "token", "scope"),
        _p("date", "date", "dateTime"),
        _p("actor", "reference", "provision.actor.reference"),
        _p("organization", "reference", "organization"),
    ],
    "Provenance": [
        _p("target", "reference", "target"),
        _p("patient", "reference", "target", targets=_PATIENT, alias_of="target"),
        _p("recorded", "date", "recorded"),
        _p("agent", "reference", "agent.who"),
        _p("entity", "reference", "entity.what"),
        _p("activity", "token", "activity"),
    ],
    "AuditEvent": [
        _p("date", "date", "recorded"),
        _p("type", "token", "type"),
        _p("subtype", "token", "subtype"),
        _p("action", "token", "action"),
        _p("outcome", "token", "outcome"),
        _p("agent", "reference", "agent.who"),
        _p("entity", "reference", "entity.what"),
        _p("patient", "reference", "entity.what", targets=_PATIENT, alias_of="entity"),
        _p("source", "reference", "source.observer"),
    ],
    "Measure": [
        _p("url", "uri", "url"),
        _p("identifier", "token", "identifier"),
        _p("name", "string", "name"),
        _p("title", "string", "title"),
        _p("status", "token", "status"),
        _p("version", "token", "version"),
    ],
    "MeasureReport": [
        _p("identifier", "token", "identifier"),
        _p("measure", "reference", "measure"),
        _p("status", "token", "status"),
        _p("period", "date", "period"),
        _p("date", "date", "date"),
        _p("subject", "reference", "subject"),
        _p("reporter", "reference", "reporter"),
    ],
    "Group": [
        _p("identifier", "token", "identifier"),
        _p("type", "token", "type"),
        _p("code", "token", "code"),
        _p("member", "reference", "member.entity"),
        _p("name", "string", "name"),
    ],
}

for _type in ("CodeSystem", "ValueSet", "ConceptMap", "StructureDefinition", "ViewDefinition"):
    SEARCH_PARAMETERS[_type] = [
        _p("url", "uri", "url"),
        _p("name", "string", "name"),
        _p("title", "string", "title"),
        _p("status", "token", "status"),
        _p("version", "token", "version"),
    ]


@cache
def parameters_for(resource_type: str) -> dict[str, SearchParameter]:
    """Every search parameter of a type, common ones included, by code (do not mutate)."""
    own = SEARCH_PARAMETERS.get(resource_type, [])
    return {p.code: p for p in (*COMMON_PARAMETERS, *own)}
