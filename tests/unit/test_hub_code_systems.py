"""The hub's own CodeSystems hold every code the hub writes in them."""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.codesystem import CodeSystem

from hub.codesystems import hub_code_systems
from hub.continuity.catalogue import RULES
from hub.continuity.tasks import RULE_SYSTEM
from hub.identity.golden import GOLDEN_TAG
from hub.timeline.events import EVENT_KINDS, TimelineEvent
from hub.timeline.fhir import timeline_bundle


def _codes(url: str) -> set[str]:
    systems = {c["url"]: c for c in hub_code_systems()}
    return {c["code"] for c in systems[url]["concept"]}


def test_each_is_a_valid_complete_code_system_with_a_unique_url() -> None:
    systems = hub_code_systems()
    assert len({c["url"] for c in systems}) == len(systems)
    for system in systems:
        parsed = CodeSystem.model_validate(system)
        assert parsed.count == len(parsed.concept or [])


def test_every_rule_and_the_golden_tag_are_defined() -> None:
    assert _codes(RULE_SYSTEM) == {r.id for r in RULES}
    assert GOLDEN_TAG["code"] in _codes(GOLDEN_TAG["system"])


def test_the_codes_of_a_timeline_list_are_defined() -> None:
    events = [
        TimelineEvent(date(2025, 1, 2), kind, "station", kind, ("Encounter/e1",))
        for kind in EVENT_KINDS
    ]
    bundle = timeline_bundle("p1", events, [], base_url="http://hub/fhir", language="en")
    listed = bundle["entry"][0]["resource"]
    codings = [listed["code"]["coding"][0]] + [e["flag"]["coding"][0] for e in listed["entry"]]
    assert len(codings) == len(EVENT_KINDS) + 1
    for coding in codings:
        assert coding["code"] in _codes(coding["system"]), coding
