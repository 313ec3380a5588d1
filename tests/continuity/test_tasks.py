"""Findings as FHIR Tasks: valid R4B, stable ids, closing keeps the evidence."""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.task import Task

from hub.config import FollowUpRules
from hub.continuity.catalogue import evaluate, rule_by_id
from hub.continuity.facts import read_facts
from hub.continuity.rules import ContinuityOptions
from hub.continuity.tasks import close_task, gap_task, task_id
from tests.continuity.district import D0, three_sources
from tests.continuity.history import days


def test_open_and_closed_tasks_are_valid_r4b_with_stable_ids() -> None:
    resources, _ = three_sources()
    facts = read_facts("w-g", resources)
    findings = [
        f for f in evaluate(facts, days(D0, 15), ContinuityOptions(FollowUpRules())) if f.is_open
    ]
    assert findings
    for finding in findings:
        task = gap_task(finding, rule_by_id(finding.rule), facts)
        Task.model_validate(task)
        assert task["id"] == task_id(finding.rule, "w-g", finding.key)
        assert task["restriction"]["period"]["end"] == finding.due.isoformat()
        assert task == gap_task(finding, rule_by_id(finding.rule), facts)  # deterministic
        closed = close_task(task, "Encounter/x", date(2024, 5, 1))
        Task.model_validate(closed)
        assert closed["status"] == "completed"
        assert closed["output"][0]["valueReference"] == {"reference": "Encounter/x"}


def test_owner_is_the_station_agency_or_hospital_per_rule() -> None:
    resources, _ = three_sources()
    facts = read_facts("w-g", resources)
    findings = evaluate(facts, days(D0, 15), ContinuityOptions(FollowUpRules()))
    owners = {f.rule: gap_task(f, rule_by_id(f.rule), facts)["owner"] for f in findings}
    assert owners["discharge-follow-up"]["reference"] == "Organization/w-org"
    assert owners["discharge-follow-up"]["display"] == "安贞社区卫生服务中心"
