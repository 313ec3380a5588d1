"""Roles of community mental-health work, each mapped to SMART scopes and a compartment.

Minimum necessary by role (DOMAIN.md "Access, privacy, retention"): the scopes say which
resource types and interactions; the compartment says whose records within them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hub.security.scopes import Scope, parse_scopes

__all__ = ["ROLE_SCOPES", "Principal", "Role", "role_scopes"]


class Role(StrEnum):
    """Who is asking, in the domain's own words."""

    INTEGRATION_TEAM = "integration_team"
    PREVENTION_DOCTOR = "prevention_doctor"
    SOCIAL_WORKER = "social_worker"
    DISTRICT_AUTHORITY = "district_authority"
    AUDITOR = "auditor"
    CONNECTOR = "connector"


#: The most each role may be granted; a token asks for these or fewer.
ROLE_SCOPES: dict[Role, str] = {
    # The integration team steward identity: review decisions are user-level Patient updates.
    Role.INTEGRATION_TEAM: "user/*.rs system/*.rs user/Patient.u",
    Role.PREVENTION_DOCTOR: "user/*.rs",
    Role.SOCIAL_WORKER: (
        "user/Patient.rs user/Condition.rs user/Observation.rs user/EpisodeOfCare.rs"
        " user/CarePlan.rs user/Flag.rs"
    ),
    Role.DISTRICT_AUTHORITY: "user/MeasureReport.rs user/Measure.rs",
    Role.AUDITOR: "user/AuditEvent.rs",
    Role.CONNECTOR: "system/*.cu",
}

#: Roles that see national ID and phone numbers unmasked in pages.
SEES_IDENTIFIERS = frozenset({Role.INTEGRATION_TEAM, Role.PREVENTION_DOCTOR})


def role_scopes(role: Role) -> list[Scope]:
    """The scopes a role may hold."""
    return parse_scopes(ROLE_SCOPES[role])


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: who, in which role, with which scopes, over which records."""

    subject: str
    role: Role
    scopes: list[Scope]
    district: str | None = None
    area: str | None = None
    source: str | None = None
    client_ip: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    #: ``iat`` of the token (seconds since the epoch), so a re-registered client's old
    #: tokens stay refused.
    issued_at: int | None = None

    @property
    def sees_identifiers(self) -> bool:
        """Whether pages show national IDs and phone numbers to this caller unmasked."""
        return self.role in SEES_IDENTIFIERS
