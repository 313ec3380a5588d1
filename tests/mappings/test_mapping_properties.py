"""Properties over generated record sets: valid FHIR, resolvable references, stable unique ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain.records import RECORD_KINDS, SourceRecord
from mappings import MappingContext, map_record
from tests.mappings.fhir_checks import problems, references
from tests.mappings.record_strategies import agency_records, hospital_records, station_records

record_sets = st.one_of(hospital_records(), station_records(), agency_records())
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _map_all(records: list[SourceRecord]) -> list[list[dict[str, Any]]]:
    ctx = MappingContext(
        source_system=records[0].kind.split(".")[0],
        run_id="run-p",
        district_code="110105",
        run_started_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    outputs = []
    for record in records:
        result = map_record(record, ctx)
        dumped = [
            r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in result.resources
        ]
        # The documents handed to the store are exactly what the models serialise to.
        assert result.documents == dumped
        outputs.append(dumped)
    return outputs


@settings(max_examples=5, deadline=None)
@given(st.tuples(hospital_records(), station_records(), agency_records()))
def test_strategies_cover_every_record_kind(sets: tuple[list[SourceRecord], ...]) -> None:
    assert {r.kind for records in sets for r in records} == set(RECORD_KINDS)


@_SETTINGS
@given(record_sets)
def test_every_resource_is_valid_fhir(records: list[SourceRecord]) -> None:
    for output in _map_all(records):
        for resource in output:
            assert problems(resource) == [], resource["resourceType"]


@_SETTINGS
@given(record_sets)
def test_every_reference_resolves_within_the_record_set(records: list[SourceRecord]) -> None:
    outputs = _map_all(records)
    present = {f"{r['resourceType']}/{r['id']}" for output in outputs for r in output}
    for output in outputs:
        for resource in output:
            assert set(references(resource)) <= present, resource["resourceType"]


@_SETTINGS
@given(record_sets)
def test_ids_are_unique_per_record_and_stable_across_runs(records: list[SourceRecord]) -> None:
    first, second = _map_all(records), _map_all(records)
    assert first == second
    provenance_ids = set()
    for output in first:
        keys = [(r["resourceType"], r["id"]) for r in output]
        assert len(keys) == len(set(keys))
        provenance = output[-1]
        assert provenance["resourceType"] == "Provenance"
        assert {t["reference"] for t in provenance["target"]} == {f"{t}/{i}" for t, i in keys[:-1]}
        provenance_ids.add(provenance["id"])
    assert len(provenance_ids) == len(records)
