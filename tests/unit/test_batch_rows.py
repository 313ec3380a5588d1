"""The rows a batch write streams: made one resource at a time, the same rows as made at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.search.extract import index_rows, new_table_rows
from hub.store.batch import created_rows, lead_rows, stamped_new
from hub.store.documents import content_hash

_MOMENT = datetime(2026, 12, 7, 12, 0, 0)


def _observation(i: int) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": f"o{i}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": f"c{i}"}]},
        "subject": {"reference": f"Patient/p{i}"},
        "effectiveDateTime": "2025-01-02",
    }


def _new(count: int) -> list[Any]:
    return stamped_new([(("Observation", f"o{i}"), _observation(i)) for i in range(count)], _MOMENT)


def test_the_lead_rows_are_the_lead_tables_rows_as_each_resource_is_indexed() -> None:
    index = new_table_rows()
    index["token"].append(("Observation", "old", "status", None, "final"))  # a changed one's
    taken: list[tuple[Any, ...]] = []
    sizes: list[int] = []
    for row in lead_rows(_new(3), index_rows, index, "token"):
        taken.append(row)
        sizes.append(len(index["reference"]))
    expected = new_table_rows()
    expected["token"].append(("Observation", "old", "status", None, "final"))
    for _key, _document, stamped in _new(3):
        index_rows(stamped, stamped["id"], expected)
    assert taken == expected["token"]
    assert index == expected  # the other tables filled on the way
    # each resource's rows are yielded once it is indexed, before the next one is
    assert sizes == [0, 1, 1, 2, 2, 3, 3]


def test_created_rows_carry_the_first_version_the_hash_and_the_stamped_json() -> None:
    new = _new(2)
    rows = list(created_rows(new, _MOMENT))
    assert [r[:5] for r in rows] == [
        ("Observation", "o0", 1, _MOMENT, False),
        ("Observation", "o1", 1, _MOMENT, False),
    ]
    assert rows[1][5] == content_hash(_observation(1))
    assert '"versionId":"1"' in rows[1][6]
    assert '"lastUpdated":"2026-12-07T12:00:00.000000+00:00"' in rows[1][6]


def test_nothing_is_made_before_it_is_taken() -> None:
    index = new_table_rows()
    stream = lead_rows(_new(2), index_rows, index, "token")
    assert index == new_table_rows()
    next(stream)
    assert len(index["reference"]) == 1
