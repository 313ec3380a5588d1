"""Keyset paging: next links continue after the last row, whatever changed in between."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from hub.store import FhirStore
from tests.api.conftest import TestClient


def _get(api: TestClient, url: str) -> dict[str, Any]:
    response = api.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _links(bundle: dict[str, Any]) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle["link"]}


def _page_ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def _walk(api: TestClient, url: str | None) -> list[str]:
    seen: list[str] = []
    while url:
        bundle = _get(api, url)
        seen += _page_ids(bundle)
        url = _links(bundle).get("next")
    return seen


def test_pages_neither_skip_nor_repeat_when_resources_change(
    store: FhirStore, api: TestClient
) -> None:
    store.write_many([{"resourceType": "Patient", "id": f"p{i:02d}"} for i in range(20)])
    first = _get(api, "/fhir/Patient?_count=5")
    seen = _page_ids(first)
    assert seen == [f"p{i:02d}" for i in range(5)]
    next_url = _links(first)["next"]
    assert "_cursor=" in next_url
    assert "_offset" not in next_url
    # Between pages: two rows already read go, one arrives behind the reader, one ahead.
    for gone in ("p01", "p03"):
        assert api.delete(f"/fhir/Patient/{gone}").status_code == 204
    store.write_many([{"resourceType": "Patient", "id": pid} for pid in ("p00a", "p07a")])
    rest = _walk(api, next_url)
    current = {f"p{i:02d}" for i in range(20)} - {"p01", "p03"} | {"p00a", "p07a"}
    assert rest == sorted(pid for pid in current if pid > seen[-1])
    assert "p07a" in rest
    assert not set(rest) & set(seen)


def _observations(rng: random.Random) -> list[dict[str, Any]]:
    """Observations with repeated dates, repeated codes, and some with no date at all."""
    days = ["2024-01-05", "2024-01-05", "2024-02-01", "2023-12-31", "2024-03-10", None]
    out = []
    for i in range(17):
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"o{i:02d}",
            "status": "final",
            "code": {"coding": [{"system": "urn:c", "code": rng.choice("abc")}]},
        }
        day = rng.choice(days)
        if day is not None:
            obs["effectiveDateTime"] = day
        out.append(obs)
    return out


def _expected_order(observations: list[dict[str, Any]], sort: str) -> list[str]:
    """The order FHIR asks for, computed here: each key ascending or descending, missing
    values last, then the id."""
    ordered = sorted(observations, key=lambda o: o["id"])
    for item in reversed(sort.split(",")):
        descending, name = item.startswith("-"), item.lstrip("-")

        def key(o: dict[str, Any], name: str = name) -> str | None:
            if name == "date":
                value: str | None = o.get("effectiveDateTime")
                return value
            code: str = o["code"]["coding"][0]["code"]
            return code

        present = [o for o in ordered if key(o) is not None]
        missing = [o for o in ordered if key(o) is None]
        present.sort(key=lambda o: key(o) or "", reverse=descending)
        ordered = present + missing
    return [o["id"] for o in ordered]


@pytest.mark.parametrize("sort", ["date", "-date", "code,-date", "-code,date"])
def test_keyset_pages_follow_the_sort_through_ties_and_missing_values(
    store: FhirStore, api: TestClient, sort: str
) -> None:
    observations = _observations(random.Random(sort))
    store.write_many(observations)
    walked = _walk(api, f"/fhir/Observation?_sort={sort}&_count=3")
    assert walked == _expected_order(observations, sort)


def test_previous_link_and_total_on_a_cursor_page(store: FhirStore, api: TestClient) -> None:
    store.write_many([{"resourceType": "Patient", "id": f"p{i:02d}"} for i in range(7)])
    second = _get(api, _links(_get(api, "/fhir/Patient?_count=3"))["next"])
    assert _page_ids(second) == ["p03", "p04", "p05"]
    assert second["total"] == 7
    previous = parse_qs(urlsplit(_links(second)["previous"]).query)
    assert previous["_count"] == ["3"]
    assert "_offset" not in previous  # back to the start


def test_a_cursor_is_refused_under_another_sort_or_when_forged(
    store: FhirStore, api: TestClient
) -> None:
    store.write_many([{"resourceType": "Patient", "id": f"p{i:02d}"} for i in range(4)])
    next_url = _links(_get(api, "/fhir/Patient?_count=2&_sort=-_lastUpdated"))["next"]
    cursor = parse_qs(urlsplit(next_url).query)["_cursor"][0]
    assert api.get(f"/fhir/Patient?_count=2&_sort=_id&_cursor={cursor}").status_code == 400
    assert api.get("/fhir/Patient?_cursor=not-a-cursor").status_code == 400
    assert api.get(f"/fhir/Patient?_count=2&_sort=-_lastUpdated&_cursor={cursor}").is_success
