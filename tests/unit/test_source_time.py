"""Source times: which of two versions is the older fact, and that the time is not content."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from hub.domain.source_time import SOURCE_TIME_URL, is_older, source_time_extension
from hub.store.documents import content_hash
from hub.store.precedence import keeps_current, keeps_first
from hub.store.stubs import STUB_SYSTEM


def _encounter(recorded: Any = None, status: str = "finished", **meta: Any) -> dict[str, Any]:
    if recorded is not None:
        meta = {"extension": [source_time_extension(recorded)], **meta}
    return {"resourceType": "Encounter", "id": "stay", "status": status} | (
        {"meta": meta} if meta else {}
    )


@pytest.mark.parametrize(
    ("incoming", "current", "older"),
    [
        ("2024-01-05T14:00:00+08:00", "2024-01-20T10:00:00+08:00", True),
        ("2024-01-20T10:00:00+08:00", "2024-01-05T14:00:00+08:00", False),
        ("2024-01-20T10:00:00+08:00", "2024-01-20T02:00:00Z", False),  # the same instant
        ("2024-01-20T01:59:59Z", "2024-01-20T10:00:00+08:00", True),
        (None, "2024-01-20T10:00:00+08:00", False),  # not said: replaces, as before
        ("2024-01-05T14:00:00+08:00", None, False),
        ("2024-01-05T14:00:00", "2024-01-20T10:00:00+08:00", False),  # no offset: not an instant
        ("soon", "2024-01-20T10:00:00+08:00", False),
        (20240105, "2024-01-20T10:00:00+08:00", False),
    ],
)
def test_the_older_fact_is_the_one_recorded_earlier(
    incoming: Any, current: Any, older: bool
) -> None:
    assert is_older(_encounter(incoming), _encounter(current)) is older
    assert keeps_first(_encounter(incoming), _encounter(current)) is older
    stored = _encounter(current)
    text = None if current is None else _json(stored)
    assert keeps_current(_encounter(incoming), text) is (older and text is not None)


def test_a_deleted_current_version_is_replaced_by_any() -> None:
    assert not keeps_current(_encounter("2024-01-05T14:00:00+08:00"), None)


def test_the_stub_rule_still_holds_beside_it() -> None:
    stub = _encounter(tag=[{"system": STUB_SYSTEM, "code": "stub"}])
    assert keeps_current(stub, _json(_encounter("2024-01-05T14:00:00+08:00")))
    assert keeps_first(stub, _encounter())
    assert not keeps_first(_encounter(), stub)


def test_the_source_time_is_not_content() -> None:
    first = _encounter("2024-01-20T10:00:00+08:00")
    later = _encounter("2024-01-22T08:00:00+08:00")
    assert content_hash(first) == content_hash(later) == content_hash(_encounter())
    assert content_hash(first) != content_hash(_encounter("2024-01-20T10:00:00+08:00", "active"))
    other = {"url": "https://example.org/other", "valueString": "x"}
    with_other = _encounter("2024-01-20T10:00:00+08:00")
    with_other["meta"]["extension"].append(other)
    assert content_hash(with_other) != content_hash(first)  # any other extension is content
    assert content_hash(with_other) == content_hash(_encounter(extension=[other]))
    assert SOURCE_TIME_URL in _json(first)  # kept in the document, only left out of the hash


def _json(document: dict[str, Any]) -> str:
    return orjson.dumps(document).decode()
