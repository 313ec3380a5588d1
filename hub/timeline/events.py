"""A person's resources -> the events of their continuity-of-care timeline. Pure.

One extractor per resource type (an explicit registry); events that only make sense in
sequence (a risk level *change*, a *change* of medication) are found after sorting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.domain.codes import extension_url
from hub.timeline.labels import KIND_LABELS, Language, detail_in
from hub.timeline.read import Resource, code_of, day, display_of, ref_of, reference_of

__all__ = ["EVENT_KINDS", "TimelineEvent", "build_timeline", "risk_series"]

#: Every kind in the order same-day events are listed.
EVENT_KINDS: tuple[str, ...] = tuple(KIND_LABELS)

_ICD10 = "http://hl7.org/fhir/sid/icd-10"
_SOCIAL_SERVICE = "410606002"  # SNOMED CT social service procedure
_CLASS_KIND = {
    "AMB": "follow-up",
    "HH": "home-visit",
    "VR": "phone-contact",
    "EMER": "emergency",
    "FLD": "contact",
}


@dataclass(frozen=True)
class TimelineEvent:
    """One dated thing that happened to the person, with where it came from and why we say so."""

    date: date
    kind: str
    source: str
    detail: str
    references: tuple[str, ...]
    value: float | None = None
    series: str | None = None  # "risk-level" or a scale code, for the small charts
    extra: Mapping[str, str] = field(default_factory=dict)

    def summary(self, language: Language) -> str:
        """Kind label and detail in the UI language."""
        zh, en = KIND_LABELS[self.kind]
        head = zh if language == "zh" else en
        detail = detail_in(self.detail, language)
        return f"{head}: {detail}" if detail else head

    def as_dict(self) -> dict[str, Any]:
        """JSON shape of the API."""
        return {
            "date": self.date.isoformat(),
            "kind": self.kind,
            "source": self.source,
            "summary": {"zh": self.summary("zh"), "en": self.summary("en")},
            "references": list(self.references),
            "value": self.value,
            "series": self.series,
        }


_Draft = tuple[date, str, str, tuple[str, ...], float | None, str | None]
Extractor = Callable[[Resource, Mapping[str, Resource]], Iterator[_Draft]]


def _encounter(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    period = r.get("period") or {}
    klass = (r.get("class") or {}).get("code")
    ref = (ref_of(r),)
    detail = display_of((r.get("type") or [None])[0])
    if klass == "IMP":
        start, end = day(period.get("start")), day(period.get("end"))
        ward = ((r.get("location") or [{}])[0].get("location") or {}).get("display", "")
        if start:
            yield start, "admission", ward, ref, None, None
        if end:
            disposition = display_of((r.get("hospitalization") or {}).get("dischargeDisposition"))
            yield end, "discharge", disposition, ref, None, None
        return
    when = day(period.get("start"))
    if when and klass in _CLASS_KIND:
        yield when, _CLASS_KIND[klass], detail, ref, None, None


def _condition_day(r: Resource, index: Mapping[str, Resource]) -> date | None:
    for key in ("recordedDate", "onsetDateTime"):
        if day(r.get(key)):
            return day(r.get(key))
    encounter = index.get(reference_of(r.get("encounter")) or "")
    return day(((encounter or {}).get("period") or {}).get("start"))


def _condition(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    code = r.get("code") or {}
    categories = [c.get("code") for cat in r.get("category") or [] for c in cat.get("coding") or []]
    if "health-concern" in categories:  # a need found by the agency's needs assessment
        when = _condition_day(r, index)
        if when:
            yield when, "needs-assessment", display_of(code), (ref_of(r),), None, None
        return
    icd = next((c for c in code.get("coding") or [] if c.get("system") == _ICD10), None)
    when = _condition_day(r, index)
    if icd and when:
        name = display_of(code) if code.get("text") else ""
        smd = next(
            (c for c in code.get("coding") or [] if c.get("system") != _ICD10 and c.get("display")),
            None,
        )
        label = name or (smd or {}).get("display") or icd.get("display") or ""
        yield when, "diagnosis", f"{icd.get('code')} {label}".strip(), (ref_of(r),), None, None


def _observation(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    code = code_of(r.get("code"), "carehub-observation")
    when = day(r.get("effectiveDateTime") or (r.get("effectivePeriod") or {}).get("start"))
    if not code or not when:
        return
    if code == "risk-level":
        level = code_of(r.get("valueCodeableConcept"), "smd-risk-level")
        if level is not None and level.isdigit():
            yield when, "risk-change", level, (ref_of(r),), float(level), "risk-level"
    elif code == "follow-up-class":
        klass = code_of(r.get("valueCodeableConcept"), "smd-follow-up-class")
        if klass is not None and klass.isdigit():
            label = display_of(r.get("valueCodeableConcept")) or klass
            yield when, "class-change", label, (ref_of(r),), float(klass), "follow-up-class"
    elif code.endswith("-total"):
        value = r.get("valueInteger", (r.get("valueQuantity") or {}).get("value"))
        if isinstance(value, int | float):
            name = display_of(r.get("code"))
            yield when, "scale-result", f"{name} {value:g}", (ref_of(r),), float(value), code


def _care_plan(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    when = day(r.get("created") or (r.get("period") or {}).get("start"))
    if when:
        category = display_of((r.get("category") or [None])[0])
        detail = f"{category} ({r.get('status', '')})".strip()
        yield when, "care-plan-change", detail, (ref_of(r),), None, None


def _goal(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    achieved = any(
        code_of(a, "http://terminology.hl7.org/CodeSystem/goal-achievement") == "achieved"
        for a in [r.get("achievementStatus")]
    )
    if not achieved and r.get("lifecycleStatus") != "completed":
        return
    targets = r.get("target") or [{}]
    when = day(r.get("statusDate") or targets[0].get("dueDate") or r.get("startDate"))
    if when:
        yield when, "goal-reached", display_of(r.get("description")), (ref_of(r),), None, None


def _medication_request(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    when = day(r.get("authoredOn"))
    if when:
        yield when, "medication-change", _medication(r), (ref_of(r),), None, None


def _medication(r: Resource) -> str:
    return display_of(r.get("medicationCodeableConcept")) or str(
        (r.get("medicationReference") or {}).get("display", "")
    )


_STATUS_EXT = extension_url("management-status")


def _episode(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    episode_type = code_of((r.get("type") or [None])[0], "episode-type")
    end = day((r.get("period") or {}).get("end"))
    if r.get("status") != "finished" or not end or episode_type == "inpatient-stay":
        return
    if episode_type == "community-management":  # lost, died, moved away: say which
        status: dict[str, Any] = next(
            (x for x in r.get("extension") or [] if x.get("url") == _STATUS_EXT), {}
        )
        coding = status.get("valueCoding") or {}
        detail = str(coding.get("display") or coding.get("code") or "")
        yield end, "management-status", detail, (ref_of(r),), None, None
        return
    yield end, "case-closed", display_of((r.get("type") or [None])[0]), (ref_of(r),), None, None


def _procedure(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    """A social-work intervention (counselling, family work, linking resources, ...)."""
    category = code_of(r.get("category"), "http://snomed.info/sct")
    when = day(r.get("performedDateTime") or (r.get("performedPeriod") or {}).get("start"))
    if category == _SOCIAL_SERVICE and when:
        yield when, "intervention", display_of(r.get("code")), (ref_of(r),), None, None


def _task(r: Resource, index: Mapping[str, Resource]) -> Iterator[_Draft]:
    if code_of(r.get("code"), "task-code") != "case-closure":
        return
    when = day((r.get("executionPeriod") or {}).get("end") or r.get("authoredOn"))
    focus = reference_of(r.get("focus"))
    refs = (ref_of(r),) + ((focus,) if focus else ())
    if when:
        yield when, "case-closed", display_of(r.get("statusReason")), refs, None, None


EXTRACTORS: dict[str, Extractor] = {
    "Encounter": _encounter,
    "Condition": _condition,
    "Observation": _observation,
    "CarePlan": _care_plan,
    "Goal": _goal,
    "MedicationRequest": _medication_request,
    "EpisodeOfCare": _episode,
    "Task": _task,
    "Procedure": _procedure,
}


def _statement_changes(statements: list[Resource]) -> Iterator[_Draft]:
    """A MedicationStatement is an event only when the medication differs from the last one."""
    previous: str | None = None
    dated = [(day(s.get("dateAsserted") or s.get("effectiveDateTime")), s) for s in statements]
    # Same-day statements keep a stable order by reference (resources are dicts: not comparable).
    for when, s in sorted(((d, s) for d, s in dated if d is not None), key=_day_then_ref):
        name = _medication(s)
        if name and name != previous:
            yield when, "medication-change", name, (ref_of(s),), None, None
        previous = name or previous


def _day_then_ref(dated: tuple[date, Resource]) -> tuple[date, str]:
    return dated[0], ref_of(dated[1])


def _drafts(resources: list[Resource]) -> Iterator[_Draft]:
    index = {ref_of(r): r for r in resources}
    for r in resources:
        extractor = EXTRACTORS.get(str(r.get("resourceType")))
        if extractor is not None:
            yield from extractor(r, index)
    statements = [r for r in resources if r.get("resourceType") == "MedicationStatement"]
    yield from _statement_changes(statements)


def _closed_episodes(resources: Iterable[Resource]) -> set[str]:
    """Episodes whose closure the agency recorded as a Task: the Task is the event."""
    return {
        reference_of(r.get("focus")) or ""
        for r in resources
        if r.get("resourceType") == "Task" and code_of(r.get("code"), "task-code") == "case-closure"
    }


def build_timeline(
    resources: Iterable[Resource], sources: Mapping[str, str] | None = None
) -> list[TimelineEvent]:
    """The person's events in time order; ``sources`` maps ``Type/id`` to its source system."""
    items = list({ref_of(r): r for r in resources if isinstance(r, dict)}.values())
    sources = sources or {}
    closed_by_task = _closed_episodes(items)
    order = {kind: i for i, kind in enumerate(EVENT_KINDS)}
    events: list[TimelineEvent] = []
    last_value: dict[str, float | None] = {}
    for when, kind, detail, refs, value, series in sorted(
        _drafts(items), key=lambda d: (d[0], order[d[1]], d[3])
    ):
        if kind == "case-closed" and refs[0] in closed_by_task:
            continue
        if kind in ("risk-change", "class-change"):
            if value == last_value.get(kind):
                continue  # only changes are events; the chart still draws every level
            last_value[kind] = value
        source = sources.get(refs[0], "unknown")
        events.append(TimelineEvent(when, kind, source, detail, refs, value, series))
    return events


def risk_series(resources: Iterable[Resource]) -> list[tuple[date, float]]:
    """Every risk level assessed, in time order (for the chart above the timeline)."""
    points = [
        (d[0], d[4])
        for d in _drafts([r for r in resources if r.get("resourceType") == "Observation"])
        if d[5] == "risk-level" and d[4] is not None
    ]
    return sorted(points)
