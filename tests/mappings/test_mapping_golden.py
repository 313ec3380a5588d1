"""Golden files: each record kind's fixture record and the exact FHIR it must become."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hub.domain.records import RECORD_KINDS
from mappings import MappingContext, map_record
from tests.mappings.mapping_samples import SAMPLES


def test_every_record_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(RECORD_KINDS)


@pytest.mark.parametrize("kind", sorted(RECORD_KINDS))
def test_mapping_matches_golden(
    kind: str,
    golden: Callable[[str, Any], None],
    context_for: Callable[[str], MappingContext],
) -> None:
    record = SAMPLES[kind]
    result = map_record(record, context_for(kind.split(".")[0]))
    golden(
        kind,
        {
            "resources": [
                r.model_dump(mode="json", by_alias=True, exclude_none=True)
                for r in result.resources
            ],
            "warnings": [{"field": w.field, "message": w.message} for w in result.warnings],
        },
    )
