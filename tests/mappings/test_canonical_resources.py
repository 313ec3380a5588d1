"""The canonical resources shipped as data: they parse, and the mappings agree with them."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain.codes import code_system_url
from mappings import MappingContext, canonical_resources, map_record
from mappings._terminology import _code_system, _concept_map
from mappings.station_form import FOLLOW_UP_ITEMS
from tests.mappings.fhir_checks import problems
from tests.mappings.mapping_samples import SAMPLES


def _by_type(resource_type: str) -> dict[str, dict[str, Any]]:
    return {r["url"]: r for r in canonical_resources() if r["resourceType"] == resource_type}


def _link_ids(items: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for item in items:
        out.add(item["linkId"])
        out |= _link_ids(item.get("item", []))
    return out


def test_every_canonical_resource_parses_and_is_versioned() -> None:
    resources = canonical_resources()
    assert {r["resourceType"] for r in resources} == {
        "CodeSystem",
        "ValueSet",
        "ConceptMap",
        "Questionnaire",
    }
    for resource in resources:
        assert resource["version"], resource["url"]
        assert [p for p in problems(resource) if "confidentiality" not in p] == []


def test_every_code_system_has_a_value_set() -> None:
    systems = _by_type("CodeSystem")
    value_sets = _by_type("ValueSet")
    included = {vs["compose"]["include"][0]["system"] for vs in value_sets.values()}
    assert set(systems) <= included


def test_follow_up_form_answers_are_questions_of_the_questionnaire() -> None:
    questionnaire = _by_type("Questionnaire")[
        "https://carehub.org/fhir/Questionnaire/smd-follow-up"
    ]
    assert _link_ids(questionnaire["item"]) == set(FOLLOW_UP_ITEMS)


@pytest.mark.parametrize(
    "kind", ["station.follow_up", "station.emergency", "agency.scale", "hospital.scale_assessment"]
)
def test_responses_point_at_shipped_questionnaires(kind: str) -> None:
    questionnaires = _by_type("Questionnaire")
    ctx_source = kind.split(".")[0]
    ctx = MappingContext(source_system=ctx_source, run_id="r", district_code="110105")
    for resource in map_record(SAMPLES[kind], ctx).resources:
        if resource.get_resource_type() == "QuestionnaireResponse":
            url = resource.questionnaire.split("|")[0]
            assert url in questionnaires
            answered = {i.linkId for i in resource.item} | {
                c.linkId for i in resource.item for c in (i.item or [])
            }
            assert answered <= _link_ids(questionnaires[url]["item"])


def test_concept_map_targets_are_codes_of_our_systems() -> None:
    systems = _by_type("CodeSystem")
    for concept_map in _by_type("ConceptMap").values():
        _, table = _concept_map(concept_map["id"])
        for coding in table.values():
            if coding["system"] in systems:
                assert coding["code"] in _code_system(systems[coding["system"]]["id"])


OUR_CODE_SYSTEMS = code_system_url("")


def _our_codings(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, list):
        return [c for v in value for c in _our_codings(v)]
    if not isinstance(value, dict):
        return []
    found = [c for v in value.values() for c in _our_codings(v)]
    system = value.get("system")
    if isinstance(system, str) and system.startswith(OUR_CODE_SYSTEMS) and "code" in value:
        found.append(value)
    return found


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_code_of_our_systems_is_in_a_shipped_code_system(kind: str) -> None:
    systems = {url: _code_system(cs["id"]) for url, cs in _by_type("CodeSystem").items()}
    ctx = MappingContext(source_system=kind.split(".")[0], run_id="r", district_code="110105")
    codings = [c for r in map_record(SAMPLES[kind], ctx).documents for c in _our_codings(r)]
    assert codings
    for coding in codings:
        assert coding["system"] in systems, coding
        assert coding["code"] in systems[coding["system"]], coding
