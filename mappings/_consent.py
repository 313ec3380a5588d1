"""Consent to share a record with another organisation (PIPL separate consent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.domain.identifiers import stable_id
from mappings._context import MappingContext
from mappings._fhir import ACT_CODE, build, concept, ref

__all__ = ["ConsentFacts", "to_consent"]

_PRIVACY = {
    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
    "code": "patient-privacy",
    "display": "Privacy Consent",
}
_PATIENT_CONSENT = {"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}
_OPT_IN = {"system": ACT_CODE, "code": "OPTIN", "display": "opt-in"}
_OPT_OUT = {"system": ACT_CODE, "code": "OPTOUT", "display": "opt-out"}
_RECIPIENT = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
    "code": "IRCP",
    "display": "information recipient",
}
_DISCLOSE = {
    "system": "http://terminology.hl7.org/CodeSystem/consentaction",
    "code": "disclose",
    "display": "Disclose",
}


@dataclass(frozen=True)
class ConsentFacts:
    """What a source records about a consent to share: who, to whom, yes or no, when."""

    key: str
    patient_key: str
    given: bool
    recipient: dict[str, Any]  # a logical reference: the recipient is not a stored resource
    organization: dict[str, Any] | None = None
    date_time: str | None = None


def to_consent(facts: ConsentFacts, ctx: MappingContext) -> Any:
    """Consent: opt-in permits, opt-out denies disclosure to the recipient."""
    return build(
        {
            "resourceType": "Consent",
            "id": stable_id(ctx.source_system, "Consent", facts.key),
            "status": "active",
            "scope": concept(_PRIVACY),
            "category": [concept(_PATIENT_CONSENT)],
            "patient": ref(ctx, "Patient", facts.patient_key),
            "dateTime": facts.date_time,
            "organization": [facts.organization] if facts.organization else None,
            "policyRule": concept(_OPT_IN if facts.given else _OPT_OUT),
            "provision": {
                "type": "permit" if facts.given else "deny",
                "actor": [{"role": concept(_RECIPIENT), "reference": facts.recipient}],
                "action": [concept(_DISCLOSE)],
            },
        }
    )
