"""The structure fast path accepts exactly the resources the full R4B model parse accepts.

Each damaged copy is checked by a checker that has already learned the undamaged shape,
so a damage that keeps the shape (a bad value in a leaf) goes through the per-leaf plan;
one that changes the shape goes through the full parse. Either way the verdict must be the
full parse's.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import mappings._structure as structure
from hub.domain.records import RECORD_KINDS, SourceRecord
from mappings import MappingContext, MappingError, map_record
from mappings._structure import StructureChecker, full_parse
from tests.mappings.mapping_samples import SAMPLES
from tests.mappings.record_strategies import agency_records, hospital_records, station_records
from tests.validation.labelled import district

Path = tuple[Any, ...]

#: Leaf values that break one FHIR primitive type or another (code, id, dateTime, uri, ...).
BAD_TEXT = [
    "",
    " ",
    " leading",
    "trailing ",
    "two  spaces",
    "tab\there",
    "line\nbreak",
    "2024-13-45",
    "2024-02-30T10:00:00+08:00",
    "not a date",
    "x" * 65,
    "ünïcödé-id",
    "ctl\x01char",
    "urn:oid:1.2.x",
    "Patient/has space",
    "-1",
    "1.5",
    "true",
]
BAD_OTHER: list[Any] = [0, -1, 2**40, 1.5, True, False, None, [], {}, ["x"], {"a": 1}]


def _context(kind: str) -> MappingContext:
    return MappingContext(
        source_system=kind.split(".")[0],
        run_id="run-structure",
        district_code="110105",
        run_started_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _mapped(records: list[SourceRecord]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for record in records:
        try:
            out += map_record(record, _context(record.kind)).documents
        except MappingError:
            continue
    return out


def _labelled_documents() -> list[dict[str, Any]]:
    """Mapped resources of a small labelled district, defects included, one per shape."""
    records = []
    for labelled in district(12, seed=11):
        try:
            records.append(RECORD_KINDS[labelled.kind].model_validate(labelled.payload))
        except ValidationError:
            continue  # quarantined before mapping
    by_shape: dict[Any, dict[str, Any]] = {}
    for document in _mapped(records):
        by_shape.setdefault(structure._shape(document, []), document)
    return list(by_shape.values())


def _leaf_paths(node: Any, path: Path = ()) -> Iterator[Path]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaf_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaf_paths(value, (*path, index))
    elif path[-1] != "resourceType":
        yield path


def _replaced(document: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    damaged = copy.deepcopy(document)
    node: Any = damaged
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return damaged


def _verdict(check: Callable[[dict[str, Any]], Any], document: dict[str, Any]) -> bool:
    try:
        check(document)
    except ValidationError:
        return False
    return True


def _assert_agree(checker: StructureChecker, document: dict[str, Any]) -> bool:
    full = _verdict(full_parse, document)
    assert _verdict(checker.check, document) == full, document
    return full


def _structural_damages(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Copies with a key dropped, an unknown key, a list made single, a null in a list."""
    for key in [k for k in document if k not in ("resourceType", "id")]:
        damaged = copy.deepcopy(document)
        value = damaged.pop(key)
        yield damaged
        yield damaged | {f"{key}Unknown": value}
        if isinstance(value, list):
            yield damaged | {key: value[0]}
            yield damaged | {key: [*value, None]}
        else:
            yield damaged | {key: [value]}
    for prefix in ("value", "effective", "occurrence"):
        yield document | {f"{prefix}String": "x", f"{prefix}Boolean": True}


SAMPLE_DOCUMENTS = _mapped(list(SAMPLES.values()))


@pytest.mark.parametrize(
    "document",
    SAMPLE_DOCUMENTS,
    ids=[f"{i}-{d['resourceType']}" for i, d in enumerate(SAMPLE_DOCUMENTS)],
)
def test_every_bad_leaf_of_a_sample_is_judged_as_the_full_parse_judges_it(
    document: dict[str, Any],
) -> None:
    checker = StructureChecker()
    assert _assert_agree(checker, document)  # valid: the checker learns its shape
    rejected = 0
    values = [*BAD_TEXT, *BAD_OTHER]
    for i, path in enumerate(_leaf_paths(document)):
        # a rotating six values per leaf: every value meets every kind of leaf across samples
        for k in range(6):
            value = values[(5 * i + k) % len(values)]
            rejected += not _assert_agree(checker, _replaced(document, path, value))
    assert rejected > 0  # the damages do reach what the models refuse


def test_structural_damages_are_judged_as_the_full_parse_judges_them() -> None:
    checker = StructureChecker()
    verdicts = []
    for document in SAMPLE_DOCUMENTS:
        assert _assert_agree(checker, document)
        verdicts += [_assert_agree(checker, d) for d in _structural_damages(document)]
    # Both verdicts occur: some damages the models refuse, some they still accept, and
    # the fast path agreed with the full parse on every one of them.
    assert not all(verdicts), "no structural damage was refused: the damages test nothing"
    assert any(verdicts), "every structural damage was refused: acceptance is untested"


def test_labelled_district_resources_and_their_damaged_leaves_agree() -> None:
    documents = _labelled_documents()
    assert len(documents) > 50
    checker = StructureChecker()
    for number, document in enumerate(documents):
        assert _assert_agree(checker, document)
        paths = list(_leaf_paths(document))
        # a rotating few leaves and values per shape keep this test to seconds
        for i, path in enumerate(paths[number % 3 :: 3]):
            value = BAD_TEXT[(number + i) % len(BAD_TEXT)]
            _assert_agree(checker, _replaced(document, path, value))


record_sets = st.one_of(hospital_records(), station_records(), agency_records())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_sets, st.data())
def test_generated_records_with_any_leaf_text_agree(
    records: list[SourceRecord], data: st.DataObject
) -> None:
    checker = StructureChecker()
    for document in _mapped(records):
        assert _assert_agree(checker, document)
        paths = list(_leaf_paths(document))
        path = data.draw(st.sampled_from(paths))
        value = data.draw(st.text(max_size=70) | st.sampled_from(BAD_TEXT))
        _assert_agree(checker, _replaced(document, path, value))


def test_a_shape_is_parsed_in_full_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []

    def counting(document: dict[str, Any]) -> Any:
        parsed.append(document["resourceType"])
        return full_parse(document)

    monkeypatch.setattr(structure, "full_parse", counting)
    checker = StructureChecker()
    document = next(d for d in SAMPLE_DOCUMENTS if d["resourceType"] == "Encounter")
    checker.check(document)
    checker.check(_replaced(document, ("id",), "another-id"))
    assert parsed == ["Encounter"]
    with pytest.raises(ValidationError):
        checker.check(_replaced(document, ("id",), "not an id"))
    assert parsed == ["Encounter", "Encounter"]  # a refused leaf: the full parse decides
