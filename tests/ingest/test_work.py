"""A page's result as it travels from a mapping worker: packed JSON, references found."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import orjson

from connectors.base import RawRecord
from hub.ingest.parallel import parts_of
from hub.ingest.seams import NoChecks
from hub.ingest.targets import outgoing_references
from hub.ingest.work import PageMapper, PageResult
from hub.wiring import SyncGate
from mappings import MappingContext
from tests.mappings.mapping_samples import SAMPLES


def _mapped_station_page() -> PageResult:
    records = [
        RawRecord(kind, SAMPLES[kind].source_key, SAMPLES[kind].model_dump(mode="json"))
        for kind in ("station.registration", "station.follow_up", "station.emergency")
    ]
    context = MappingContext(
        source_system="station",
        run_id="run-work",
        district_code="110105",
        run_started_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return PageMapper(context, NoChecks(), "station").map_page(records)


def test_packed_result_arrives_with_the_same_resources() -> None:
    result = _mapped_station_page()
    assert len(result.resources) == 3
    expected = {p: list(res) for p, res in result.resources.items()}
    result.pack()
    assert result.packed is not None
    assert result.resources == {}
    arrived = pickle.loads(pickle.dumps(result))
    arrived.unpack()
    assert arrived.resources == expected
    assert arrived.packed is None


def test_the_texts_made_for_the_checks_pack_as_the_whole_dump_would() -> None:
    result = _mapped_station_page()
    assert result.texts.keys() == result.resources.keys()
    for position, resources in result.resources.items():
        assert orjson.loads(result.texts[position]) == resources
    whole = orjson.dumps(list(result.resources.items()))
    result.pack()
    assert result.packed == whole
    assert result.texts == {}


def test_a_result_with_a_record_lacking_its_text_dumps_the_whole() -> None:
    result = _mapped_station_page()
    del result.texts[1]
    whole = orjson.dumps(list(result.resources.items()))
    result.pack()
    assert result.packed == whole


def test_a_result_that_is_not_plain_json_travels_as_objects() -> None:
    result = PageResult(resources={0: [{"resourceType": "Basic", "id": "b", "odd": {1, 2}}]})
    result.pack()
    assert result.packed is None
    assert result.resources[0][0]["odd"] == {1, 2}


def test_each_record_carries_the_references_its_resources_make() -> None:
    result = _mapped_station_page()
    for position, resources in result.resources.items():
        assert result.outgoing[position] == outgoing_references(resources)
    # a follow-up points at its registration's Patient and EpisodeOfCare
    assert any(ref.startswith("Patient/") for ref in result.outgoing[1])
    result.outgoing.clear()
    assert result.outgoing_of(1) == outgoing_references(result.resources[1])


def _follow_ups(count: int) -> list[RawRecord]:
    sample = SAMPLES["station.follow_up"]
    payloads = [
        sample.model_copy(update={"visit_id": f"V-{i}"}).model_dump(mode="json")
        for i in range(count)
    ]
    # the last record repeats the first one's key with other content: a repeat in the page
    payloads[-1] = payloads[0] | {"visit_date": "2024-03-02"}
    return [RawRecord("station.follow_up", p["visit_id"], p) for p in payloads]


def test_parts_cover_the_page_once_and_keep_a_repeated_key_together() -> None:
    records = _follow_ups(1300)
    parts = parts_of(records, 2)
    assert len(parts) == 2
    assert sorted(p for part in parts for p in part) == list(range(1300))
    assert all(part == sorted(part) for part in parts)
    (with_first,) = [part for part in parts if 0 in part]
    assert 1299 in with_first
    assert parts_of(records[:400], 2) == [list(range(400))]  # small pages stay whole


def test_a_page_mapped_in_parts_ends_as_the_page_mapped_whole() -> None:
    records = _follow_ups(1100)
    context = MappingContext(source_system="station", run_id="run-parts", district_code="110105")
    whole_gate, parts_gate = SyncGate(), SyncGate()
    whole = PageMapper(context, whole_gate, "station").map_page(records)
    merged = PageResult()
    for positions in parts_of(records, 2):
        part = PageMapper(context, parts_gate, "station").map_page([records[p] for p in positions])
        part.pack()
        part.unpack()
        merged.merge(positions, part)
    repeats = {c: n for c, n in whole.warnings_by_check.items() if c.endswith("key_unique")}
    assert list(repeats.values()) == [2]  # both copies of the repeated key, found in the page
    assert merged.quarantined == whole.quarantined
    assert merged.resources == whole.resources
    assert merged.outgoing == whole.outgoing
    assert merged.warnings_by_check == whole.warnings_by_check
    tallied = [
        {k: (t.checked, t.failed, set(t.examples)) for k, t in gate.drain().items()}
        for gate in (whole_gate, parts_gate)
    ]
    assert tallied[0] == tallied[1]
