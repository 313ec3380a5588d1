"""The worklist: open continuity Tasks, filtered per team (organisation), case manager, street."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from hub.continuity.tasks import RULE_SYSTEM, STREET_URL
from hub.store import StoreSession
from hub.store.schema import idx_token
from hub.timeline.read import Resource, code_of, reference_of

__all__ = ["WorkItem", "counts", "worklist"]


@dataclass(frozen=True)
class WorkItem:
    """One row of the worklist."""

    task_id: str
    rule: str
    title_zh: str
    title_en: str
    patient_id: str
    patient_name: str
    organization: str
    organization_name: str
    case_manager: str | None
    street: str | None
    due: str | None
    status: str
    description: str

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of the API."""
        return asdict(self)


def _owner_key(owner: dict[str, Any]) -> str:
    return reference_of(owner) or str((owner.get("identifier") or {}).get("value", ""))


def _item(task: Resource, names: dict[str, str]) -> WorkItem:
    owner = task.get("owner") or {}
    recipients = (task.get("restriction") or {}).get("recipient") or []
    street = next(
        (x.get("valueCode") for x in task.get("extension") or [] if x.get("url") == STREET_URL),
        None,
    )
    patient = (reference_of(task.get("for")) or "/").split("/", 1)[1]
    coding = ((task.get("code") or {}).get("coding") or [{}])[0]
    return WorkItem(
        task_id=task["id"],
        rule=str(coding.get("code", "")),
        title_zh=str((task.get("code") or {}).get("text", "")),
        title_en=str(coding.get("display", "")),
        patient_id=patient,
        patient_name=names.get(patient, patient),
        organization=_owner_key(owner),
        organization_name=str(owner.get("display") or _owner_key(owner)),
        case_manager=reference_of(recipients[0]) if recipients else None,
        street=street,
        due=((task.get("restriction") or {}).get("period") or {}).get("end"),
        status=str(task.get("status")),
        description=str(task.get("description", "")),
    )


def _matches(
    item: WorkItem,
    organization: str | None,
    owner: str | None,
    street: str | None,
    rule: str | None,
) -> bool:
    if organization and organization not in (item.organization, item.organization.split("/")[-1]):
        return False
    if owner and owner not in (item.case_manager, (item.case_manager or "").split("/")[-1]):
        return False
    return (not street or item.street == street) and (not rule or item.rule == rule)


def _task_ids(session: StoreSession, rule: str | None, status: str) -> list[str]:
    """Ids of continuity Tasks with the status (and rule), from the token index.

    Two indexed lookups intersected here: a self-join of the token table made SQLite scan.
    """
    t = idx_token
    by_code = select(t.c.resource_id).where(
        t.c.resource_type == "Task", t.c.param == "code", t.c.system == RULE_SYSTEM
    )
    if rule:
        by_code = by_code.where(t.c.code == rule)
    by_status = select(t.c.resource_id).where(
        t.c.resource_type == "Task", t.c.param == "status", t.c.code == status
    )
    coded = {r[0] for r in session.conn.execute(by_code)}
    return sorted(coded & {r[0] for r in session.conn.execute(by_status)})


def worklist(
    session: StoreSession,
    *,
    organization: str | None = None,
    owner: str | None = None,
    street: str | None = None,
    rule: str | None = None,
    status: str = "requested",
) -> list[WorkItem]:
    """Continuity Tasks with that status and filters, earliest due first."""
    ids = _task_ids(session, rule, status)
    tasks = [s.as_dict() for s in session.read_many("Task", ids)]
    tasks = [t for t in tasks if t.get("status") == status and code_of(t.get("code"), RULE_SYSTEM)]
    patient_ids = sorted({(reference_of(t.get("for")) or "/").split("/", 1)[1] for t in tasks})
    names = {p.resource_id: _name(p.as_dict()) for p in session.read_many("Patient", patient_ids)}
    items = [_item(t, names) for t in tasks]
    chosen = [i for i in items if _matches(i, organization, owner, street, rule)]
    return sorted(chosen, key=lambda i: (i.due or "", i.patient_name, i.rule))


def _name(patient: Resource) -> str:
    for name in patient.get("name") or []:
        family = name.get("family") or ""
        text = name.get("text") or " ".join([family, *name.get("given", [])]).strip()
        if text:
            return str(text)
    return str(patient.get("id"))


def counts(items: list[WorkItem]) -> dict[str, dict[str, int]]:
    """How many open items per rule, organisation, case manager and street."""
    return {
        "rule": dict(Counter(i.rule for i in items)),
        "organization": dict(Counter(i.organization_name for i in items)),
        "case_manager": dict(Counter(i.case_manager or "-" for i in items)),
        "street": dict(Counter(i.street or "-" for i in items)),
    }
