"""Cross-source plausibility over stored FHIR resources: a separate pass after a sync.

Every finding is a warning: the resources are already stored, and what looks implausible
across sources (a home visit during an inpatient stay) needs a person to look, not a
quarantine. Source patients are taken as one person when they share a resident ID, or when
identity linkage joined them (a golden Patient's ``seealso`` links to its source Patients,
their ``refer`` links back): a resident ID missing or mistyped in one system no longer
hides a visit during that person's stay in another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hub.domain.codes import identifier_system
from validation.results import CheckTally

__all__ = [
    "JUDGED_TOTALS",
    "RISK_LEVEL_CODE",
    "SOURCE",
    "TOTAL_SUFFIX",
    "PlausibilityPass",
    "cross_source_tallies",
]

#: The "source" cross-source findings are reported under.
SOURCE = "cross-source"
_RESIDENT = identifier_system("cn-resident-id")
_COMMUNITY = {"AMB", "HH"}  # phone follow-ups (VR) may well be made during a stay
_SUMMED = {"bprs", "panss", "sdss"}  # scales whose total is the plain sum of their items
#: Patient.link types that join a golden record and its source Patients (the current
#: cluster); replaced-by / replaces point at a retired record and are left alone.
_SAME_PERSON = {"seealso", "refer"}
#: The Observations the pass judges: a risk level, a scale total (their codes); it passes
#: over every other Observation, so a caller reading a store may read only these.
RISK_LEVEL_CODE, TOTAL_SUFFIX = "risk-level", "-total"
#: The totals it can judge: those of the summed scales (a total whose response is of
#: another scale is never compared), so a reader may ask for exactly these codes.
JUDGED_TOTALS = tuple(sorted(f"{scale}{TOTAL_SUFFIX}" for scale in _SUMMED))


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _subject(resource: dict[str, Any]) -> str | None:
    ref = (resource.get("subject") or resource.get("patient") or {}).get("reference")
    return ref.partition("/")[2] if isinstance(ref, str) else None


def _codes(concept: Any) -> list[str]:
    return [str(c.get("code")) for c in (concept or {}).get("coding", [])]


@dataclass
class PlausibilityPass:
    """Collects the resources of a store, then judges them (``tallies``)."""

    max_action_days: int = 14  # unstable class: seen again or referred within 2 weeks
    person: dict[str, str] = field(default_factory=dict)  # patient id -> person key
    deaths: dict[str, date] = field(default_factory=dict)
    stays: list[tuple[str, str, date, date | None]] = field(default_factory=list)
    visits: list[tuple[str, str, date, str]] = field(default_factory=list)
    risks: list[tuple[str, str, date]] = field(default_factory=list)
    referrals: list[tuple[str, date]] = field(default_factory=list)
    answers: dict[str, tuple[str, int]] = field(default_factory=dict)  # QR id -> (scale, sum)
    totals: list[tuple[str, str, int]] = field(default_factory=list)  # (obs id, QR id, value)
    joined: list[tuple[str, str]] = field(default_factory=list)  # patient ids linkage joined
    _roots: dict[str, str] | None = field(default=None, init=False, repr=False)

    def add(self, resource: dict[str, Any]) -> None:
        """Take in one stored resource."""
        handler = getattr(self, f"_add_{resource.get('resourceType', '')}", None)
        if handler is not None:
            handler(resource)

    def _add_Patient(self, r: dict[str, Any]) -> None:  # noqa: N802 - named after the type
        ids = [i.get("value") for i in r.get("identifier", []) if i.get("system") == _RESIDENT]
        self.person[r["id"]] = str(ids[0]) if ids else r["id"]
        self._roots = None  # joined groups are worked out again on the next judgement
        for link in r.get("link") or []:
            other = (link.get("other") or {}).get("reference")
            if link.get("type") in _SAME_PERSON and isinstance(other, str):
                self.joined.append((r["id"], other.partition("/")[2]))
        died = _day(r.get("deceasedDateTime"))
        if died:
            self.deaths[r["id"]] = died

    def _add_Encounter(self, r: dict[str, Any]) -> None:  # noqa: N802
        subject, period = _subject(r), r.get("period") or {}
        start = _day(period.get("start"))
        if subject is None or start is None:
            return
        kind = (r.get("class") or {}).get("code", "")
        if kind == "IMP":
            self.stays.append((r["id"], subject, start, _day(period.get("end"))))
        self.visits.append((r["id"], subject, start, kind))

    def _add_Observation(self, r: dict[str, Any]) -> None:  # noqa: N802
        codes, subject = _codes(r.get("code")), _subject(r)
        when = _day(r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start"))
        if RISK_LEVEL_CODE in codes and subject and when:
            level = _codes(r.get("valueCodeableConcept"))
            if level and level[0].isdigit() and int(level[0]) >= 3:
                self.risks.append((r["id"], subject, when))
        total = [c for c in codes if c.endswith(TOTAL_SUFFIX)]
        derived = [d.get("reference", "") for d in r.get("derivedFrom", [])]
        if total and derived and isinstance(r.get("valueInteger"), int):
            self.totals.append((r["id"], derived[0].partition("/")[2], r["valueInteger"]))

    def _add_ServiceRequest(self, r: dict[str, Any]) -> None:  # noqa: N802
        subject, when = _subject(r), _day(r.get("authoredOn"))
        if subject and when:
            self.referrals.append((subject, when))

    def _add_QuestionnaireResponse(self, r: dict[str, Any]) -> None:  # noqa: N802
        scale = str(r.get("questionnaire", "")).rsplit("/", 1)[-1].split("|")[0]
        if scale in _SUMMED:
            values = [
                a["valueInteger"]
                for item in r.get("item", [])
                for a in item.get("answer", [])
                if isinstance(a.get("valueInteger"), int)
            ]
            if scale == "sdss":
                values = [v for v in values if v != 9]  # not applicable: left out of the total
            self.answers[r["id"]] = (scale, sum(values))

    def tallies(self) -> list[CheckTally]:
        """One tally per cross-source check."""
        tallies = []
        for check, (checked, failed) in self.judged().items():
            tally = CheckTally(SOURCE, check)
            tally.add(checked, failed)
            tallies.append(tally)
        return tallies

    def judged(self) -> dict[str, tuple[int, list[str]]]:
        """Per cross-source check: resources checked and the id of every one that failed."""
        return {
            "xsource.follow_up_during_stay": self._during_stay(),
            "xsource.discharge_before_admission": self._discharge_order(),
            "xsource.high_risk_without_action": self._risk_action(),
            "xsource.scale_total_mismatch": self._scale_totals(),
            "xsource.visits_after_death": self._after_death(),
        }

    def _key(self, patient_id: str) -> str:
        if self._roots is None:
            self._roots = self._join()
        key = self.person.get(patient_id, patient_id)
        return self._roots.get(key, key)

    def _join(self) -> dict[str, str]:
        """Person key -> one key for every group of keys that linkage joined (union-find)."""
        parent: dict[str, str] = {}

        def root(key: str) -> str:
            while parent.get(key, key) != key:
                parent[key] = parent.get(parent[key], parent[key])  # halve the path
                key = parent[key]
            return key

        for a, b in self.joined:
            first = root(self.person.get(a, a))
            second = root(self.person.get(b, b))
            if first != second:
                parent[max(first, second)] = min(first, second)  # the same root in any order
        return {key: root(key) for key in parent}

    def _during_stay(self) -> tuple[int, list[str]]:
        stays: dict[str, list[tuple[date, date]]] = {}
        for _, subject, start, end in self.stays:
            if end is not None:
                stays.setdefault(self._key(subject), []).append((start, end))
        visits = [v for v in self.visits if v[3] in _COMMUNITY]
        failed = [
            vid
            for vid, subject, day, _ in visits
            if any(s < day < e for s, e in stays.get(self._key(subject), []))
        ]
        return len(visits), failed

    def _discharge_order(self) -> tuple[int, list[str]]:
        ended = [s for s in self.stays if s[3] is not None]
        return len(ended), [sid for sid, _, start, end in ended if end and end < start]

    def _risk_action(self) -> tuple[int, list[str]]:
        visits: dict[str, list[date]] = {}
        referrals: dict[str, list[date]] = {}
        for _, subject, day, _ in self.visits:
            visits.setdefault(self._key(subject), []).append(day)
        for subject, day in self.referrals:
            referrals.setdefault(self._key(subject), []).append(day)
        window = timedelta(days=self.max_action_days)

        def acted(subject: str, day: date) -> bool:
            # A later visit, or a referral from the same day on, within the window.
            key = self._key(subject)
            return any(day < a <= day + window for a in visits.get(key, [])) or any(
                day <= a <= day + window for a in referrals.get(key, [])
            )

        failed = [oid for oid, subject, day in self.risks if not acted(subject, day)]
        return len(self.risks), failed

    def _scale_totals(self) -> tuple[int, list[str]]:
        judged = [(oid, self.answers[qr], v) for oid, qr, v in self.totals if qr in self.answers]
        return len(judged), [oid for oid, (_, summed), value in judged if summed != value]

    def _after_death(self) -> tuple[int, list[str]]:
        deaths: dict[str, date] = {}
        for patient, day in self.deaths.items():
            key = self._key(patient)
            deaths[key] = min(day, deaths.get(key, day))
        judged = [v for v in self.visits if self._key(v[1]) in deaths]
        return len(judged), [v[0] for v in judged if v[2] > deaths[self._key(v[1])]]


def cross_source_tallies(resources: Iterable[dict[str, Any]]) -> list[CheckTally]:
    """Tallies of every cross-source check over the given stored resources."""
    judge = PlausibilityPass()
    for resource in resources:
        judge.add(resource)
    return judge.tallies()
