"""Raw code lists come from the mappings' code tables: what one accepts the other translates."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain.records import RECORD_KINDS
from hub.quality.terminology import load_code_tables
from mappings import MappingContext, MappingError, UnmappedCode, map_record
from tests.mappings.mapping_samples import SAMPLES
from validation.raw import RawChecks
from validation.suites import SUITES, Tables

#: A code no table holds, and one that looks like a numbered tick box.
UNMAPPED = ("ZZ-unmapped", "97")

#: (kind, field, is a list field, declared tables) for every coded field read through tables.
DECLARED = [
    (kind, name, name in suite.code_lists, codes)
    for kind, suite in SUITES.items()
    for name, codes in (*suite.codes.items(), *suite.code_lists.items())
    if isinstance(codes, Tables)
]


@pytest.fixture(scope="module")
def checks() -> RawChecks:
    return RawChecks(code_tables=load_code_tables())


def _payload(kind: str, name: str, listed: bool, code: str, row: int) -> dict[str, Any]:
    payload = SAMPLES[kind].model_dump(mode="json")
    payload[SAMPLES[kind].key_field] = f"{payload[SAMPLES[kind].key_field]}-{name}-{row}"
    payload[name] = [code] if listed else code
    return payload


def _unmapped_fields(kind: str, payload: dict[str, Any]) -> set[str]:
    """Fields the mapping refused as unmapped codes (other mapping errors are not ours here)."""
    context = MappingContext(source_system=kind.split(".")[0], run_id="t", district_code="110105")
    try:
        map_record(RECORD_KINDS[kind].model_validate(payload), context)
    except UnmappedCode as exc:
        return {exc.field.split("[")[0]}
    except MappingError:
        return set()
    return set()


def test_every_declared_table_exists_and_holds_codes() -> None:
    tables = load_code_tables()
    assert DECLARED
    for kind, name, _, declared in DECLARED:
        assert declared.codes(tables), f"{kind}.{name}: {declared.names} share no code"


@pytest.mark.parametrize(("kind", "name", "listed", "declared"), DECLARED)
def test_each_code_a_table_maps_is_accepted_and_an_unmapped_one_is_flagged(
    checks: RawChecks, kind: str, name: str, listed: bool, declared: Tables
) -> None:
    accepted = declared.codes(load_code_tables())
    codes = [*accepted, UNMAPPED[1] if listed else UNMAPPED[0]]
    rows = [_payload(kind, name, listed, code, i) for i, code in enumerate(codes)]
    outcome = checks.check(kind.split(".")[0], kind, rows)
    check = f"{kind}.{name}.code"
    flagged = [any(i.check == check for i in issues) for issues in outcome.issues]
    assert flagged == [False] * len(accepted) + [True], dict(zip(codes, flagged, strict=True))
    # The mapping agrees: it translates every accepted code and refuses the unmapped one.
    refused = [name in _unmapped_fields(kind, row) for row in rows]
    assert refused == [False] * len(accepted) + [True], dict(zip(codes, refused, strict=True))
