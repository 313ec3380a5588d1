"""The fast FHIR checks (JSON text pass, learned id recipes) find exactly what the walk found."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.domain.records import SourceRecord
from hub.quality.gate import load_bindings
from tests.validation.fhir_before import BeforeChecks
from tests.validation.labelled import district, map_labelled
from validation.fhir import REQUIRED, FhirChecks
from validation.links import (
    OURS,
    record_links,
    record_links_raw,
    resources_text,
    vouching_pattern,
    walk_links,
)

Mapped = tuple[SourceRecord, str, list[dict[str, Any]]]


def _mapped(patients: int) -> list[Mapped]:
    out = []
    for labelled in district(patients, seed=5):
        found = map_labelled(labelled)
        if found is None:
            continue  # quarantined before the FHIR checks
        record, system, mapping = found
        resources = mapping.documents or [
            r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in mapping.resources
        ]
        out.append((record, system, resources))
    return out


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    if type(node) is dict:
        yield node
        node = node.values()
    for value in node:
        if type(value) in (dict, list):
            yield from _dicts(value)


def _ours(resources: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((d for d in _dicts(resources) if str(d.get("system", "")).startswith(OURS)), None)


def _dangling(resources: list[dict[str, Any]], i: int) -> None:
    node = next(d for d in _dicts(resources) if "reference" in d)
    node["reference"] = node["reference"].split("/")[0] + f"/gone-{i}"


def _unbound(resources: list[dict[str, Any]], i: int) -> None:
    if (coding := _ours(resources)) is not None:
        coding["code"] = "99"


def _unbound_escaped(resources: list[dict[str, Any]], i: int) -> None:
    if (coding := _ours(resources)) is not None:  # the text cannot be read: the walk decides
        coding |= {"display": 'said "no"', "code": "98"}


def _code_first(resources: list[dict[str, Any]], i: int) -> None:
    if (coding := _ours(resources)) is not None:  # code before system: the walk decides
        system = coding.pop("system")
        coding["system"] = system


def _missing(resources: list[dict[str, Any]], i: int) -> None:
    resource = resources[i % len(resources)]
    for names in REQUIRED.get(resource["resourceType"], ()):
        resource.pop(names[0], None)
    resource.pop("meta", None)


def _orphan(resources: list[dict[str, Any]], i: int) -> None:
    for resource in resources:
        if resource["resourceType"] == "QuestionnaireResponse":
            del resource["subject"]


DAMAGE: list[Callable[[list[dict[str, Any]], int], None]] = [
    _dangling,
    _unbound,
    _unbound_escaped,
    _code_first,
    _missing,
    _orphan,
]


@pytest.fixture(scope="module")
def mapped() -> list[Mapped]:
    return _mapped(25)


def test_fast_checks_find_the_same_issues_in_the_same_order(mapped: list[Mapped]) -> None:
    bindings = load_bindings()
    fast, before = FhirChecks(bindings), BeforeChecks(bindings)
    found: dict[str, int] = {}
    for i, (record, system, output) in enumerate(mapped):
        resources = copy.deepcopy(output)
        if i % 3 == 0:  # every third record damaged, the kinds of damage in turn
            DAMAGE[(i // 3) % len(DAMAGE)](resources, i)
        expected = before.check(record, system, resources, structure_validated=True)
        assert fast.check(record, system, resources, structure_validated=True) == expected
        assert fast.check(record, system, resources) == before.check(record, system, resources)
        for issue in expected:
            found[issue.check] = found.get(issue.check, 0) + 1
        if i % 3:
            assert expected == [], (record.kind, expected)  # clean output stays clean
    assert set(found) == {
        "fhir.required",
        "fhir.binding",
        "fhir.reference",
        "fhir.orphan_questionnaire_response",
    }, found
    assert fast.hints, "the checker learned how the references' ids are derived"


def test_the_text_pass_reads_what_the_walk_reads(mapped: list[Mapped]) -> None:
    for _, _, resources in mapped:
        found = record_links(resources)
        assert found is not None  # the mappings' output never needs the walk
        walked = [walk_links(r) for r in resources]
        assert found[0] == {ref for refs, _ in walked for ref in refs}
        assert found[1] == {coding for _, codings in walked for coding in codings}


def test_the_text_handed_in_is_read_as_the_text_made_here(mapped: list[Mapped]) -> None:
    checks = FhirChecks(load_bindings())
    for i, (record, system, output) in enumerate(mapped):
        resources = copy.deepcopy(output)
        if i % 3 == 0:
            DAMAGE[(i // 3) % len(DAMAGE)](resources, i)
        text = resources_text(resources)
        assert record_links_raw(resources, text) == record_links_raw(resources)
        given = checks.check(record, system, resources, structure_validated=True, text=text)
        assert given == checks.check(record, system, resources, structure_validated=True)
    assert resources_text([{"resourceType": "Basic", "when": object()}]) is None


def test_the_glance_vouches_for_bound_codings_only(mapped: list[Mapped]) -> None:
    unvouched = vouching_pattern(load_bindings())
    for _, _, resources in mapped:  # the mappings' codings of ours are all bound
        assert unvouched.search(resources_text(resources) or b"") is None

    def text(**coding: str) -> bytes:
        return resources_text([{"resourceType": "Basic", "code": {"coding": [coding]}}]) or b""

    risk = OURS + "smd-risk-level"
    assert unvouched.search(text(system=risk, code="1")) is None
    assert unvouched.search(text(system=OURS + "not-bound-to-any-set", code="x")) is None
    assert unvouched.search(text(system=risk, code="99")) is not None  # not in the set
    assert unvouched.search(text(system=risk, code="1x")) is not None  # a bound code's prefix
    assert unvouched.search(text(system=risk, version="2", code="1")) is not None  # sibling
    assert unvouched.search(text(code="1", system=risk)) is not None  # code before system
    assert unvouched.search(text(system=risk, code='1"')) is not None  # escaped


def test_the_text_pass_declines_what_it_cannot_read_exactly() -> None:
    coding = {"system": OURS + "smd-risk-level", "display": 'a "quoted" word', "code": "1"}
    assert record_links([{"resourceType": "Basic", "code": {"coding": [coding]}}]) is None
    code_first = {"code": "1", "system": OURS + "smd-risk-level"}
    assert record_links([{"resourceType": "Basic", "code": {"coding": [code_first]}}]) is None
    escaped = {"resourceType": "Basic", "subject": {"reference": 'Patient/a"b'}}
    assert record_links([escaped]) is None
    assert record_links([{"resourceType": "Basic", "when": object()}]) is None
