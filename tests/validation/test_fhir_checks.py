"""FHIR-level checks: the mappings' golden output is clean; each kind of damage is caught."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from hub.quality.gate import load_bindings
from tests.mappings.mapping_samples import SAMPLES
from validation.fhir import FhirChecks

GOLDEN = Path(__file__).parents[1] / "mappings" / "golden"


@pytest.fixture(scope="module")
def checks() -> FhirChecks:
    return FhirChecks(load_bindings())


def _golden(kind: str) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = json.loads((GOLDEN / f"{kind}.json").read_text())["resources"]
    return resources


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_golden_output_passes(checks: FhirChecks, kind: str) -> None:
    assert checks.check(SAMPLES[kind], kind.split(".")[0], _golden(kind)) == []


def _first(resources: list[dict[str, Any]], resource_type: str) -> dict[str, Any]:
    return next(r for r in resources if r["resourceType"] == resource_type)


def test_each_kind_of_damage_is_caught(checks: FhirChecks) -> None:
    record = SAMPLES["station.follow_up"]
    resources = copy.deepcopy(_golden("station.follow_up"))
    encounter = _first(resources, "Encounter")
    encounter["status"] = 12  # not a code: structure
    del encounter["subject"]  # profile
    encounter["type"][0]["coding"][0]["code"] = "99"  # binding
    encounter["episodeOfCare"] = [{"reference": "EpisodeOfCare/nowhere"}]  # reference
    found = {i.check for i in checks.check(record, "station", resources)}
    assert found >= {"fhir.structure", "fhir.required", "fhir.binding", "fhir.reference"}


def test_a_questionnaire_response_without_subject_is_an_orphan(checks: FhirChecks) -> None:
    record = SAMPLES["agency.scale"]
    resources = copy.deepcopy(_golden("agency.scale"))
    del _first(resources, "QuestionnaireResponse")["subject"]
    found = {i.check for i in checks.check(record, "agency", resources)}
    assert "fhir.orphan_questionnaire_response" in found


_SECURE = {"security": [{"code": "R"}]}


@pytest.mark.parametrize(
    ("resource", "missing"),
    [
        ({"resourceType": "Task", "status": "ready", "intent": "plan", "meta": _SECURE}, []),
        ({"resourceType": "Task", "status": "ready", "intent": "", "meta": _SECURE}, ["intent"]),
        ({"resourceType": "Task", "status": "ready", "intent": "plan"}, ["meta.security"]),
        ({"resourceType": "Task", "status": 0, "intent": False, "meta": _SECURE}, []),  # given
        (
            {"resourceType": "Task", "status": "x", "intent": "x", "meta": {"tag": []}},
            ["meta.security"],
        ),
        ({"resourceType": "Practitioner", "meta": _SECURE}, []),  # no rules: meta only
        ({"resourceType": "Practitioner", "meta": {}}, ["meta.security"]),
        (
            {
                "resourceType": "MedicationRequest",
                "status": "active",
                "intent": "order",
                "subject": {"reference": "Patient/p"},
                "medicationReference": {"reference": "M/m"},
                "meta": _SECURE,
            },
            [],
        ),  # a rule with a choice: either name will do
        (
            {
                "resourceType": "MedicationRequest",
                "status": "active",
                "intent": "order",
                "subject": {"reference": "Patient/p"},
                "meta": _SECURE,
            },
            ["medicationCodeableConcept"],
        ),
    ],
)
def test_required_elements_at_a_glance_and_rule_by_rule_agree(
    checks: FhirChecks, resource: dict[str, Any], missing: list[str]
) -> None:
    found = [
        i.field
        for i in checks.check(SAMPLES["agency.scale"], "agency", [resource])
        if i.check == "fhir.required"
    ]
    assert found == missing
