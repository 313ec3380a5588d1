"""The agency connector against fault modes, through httpx MockTransport."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest

from connectors.base import RetryPolicy
from connectors.errors import SourceUnavailable
from connectors.social_work import AgencyApiConnector
from tests.connectors.conftest import District
from tests.connectors.fake_agency import FakeAgency


@pytest.fixture
def agency(district: District) -> FakeAgency:
    """A fresh fake agency over the district's agency data."""
    return FakeAgency.from_store(district.root / "agency" / "agency.sqlite")


def _keys(connector: AgencyApiConnector) -> Counter[tuple[str, str]]:
    return Counter(
        (r.record_kind, r.source_key or "") for p in connector.pages(None) for r in p.records
    )


def test_timeouts_429_and_500_are_retried_and_nothing_is_lost(agency: FakeAgency):
    expected = sum(1 for _ in agency.all_keys())
    agency.faults.extend(["timeout", "429", "500", "timeout"])
    connector = agency.connector()
    keys = _keys(connector)
    assert sum(keys.values()) == expected
    assert max(keys.values()) == 1
    assert connector.stats.retries == 4
    assert connector.stats.retry_reasons == {"timeout": 2, "HTTP 429": 1, "HTTP 500": 1}


def test_a_page_changing_under_pagination_neither_loses_nor_doubles(agency: FakeAgency):
    contacts = sorted(agency.docs["contacts"], key=lambda d: (d["updated_at"], d["contact_id"]))
    moved = {**contacts[0], "notes": "updated meanwhile", "updated_at": "2099-01-01T00:00:00"}
    agency.change_after_first_page["contacts"] = [moved]
    connector = agency.connector(page_size=3)
    pulled = [
        r for p in connector.pages(None) for r in p.records if r.record_kind == "agency.contact"
    ]
    keys = Counter(r.source_key for r in pulled)
    assert set(keys) == {d["contact_id"] for d in agency.docs["contacts"]}
    # the moved contact arrives once as it was and once as changed; every other exactly once
    assert keys[moved["contact_id"]] == 2
    assert sum(keys.values()) == len(keys) + 1
    assert pulled[-1].payload["notes"] == "updated meanwhile"


def test_body_that_is_not_json_is_retried_once_then_quarantined(agency: FakeAgency):
    agency.faults.extend(["garbage", "garbage"])
    connector = agency.connector()
    problems = [r for p in connector.pages(None) for r in p.records if r.problem]
    assert len(problems) == 1
    assert "not JSON" in (problems[0].problem or "")
    assert connector.stats.retries == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token_stops_the_source_with_a_clear_message(status: int):
    transport = httpx.MockTransport(lambda request: httpx.Response(status))
    connector = AgencyApiConnector("agency", "http://agency.test", "t", transport=transport)
    with pytest.raises(SourceUnavailable, match=f"refused the token \\(HTTP {status}\\)"):
        list(connector.pages(None))


def test_unreachable_agency_is_unavailable():
    connector = AgencyApiConnector(
        "agency", "http://127.0.0.1:9", "t", timeout=2, retry=RetryPolicy(sleep=lambda _s: None)
    )
    with pytest.raises(SourceUnavailable, match="cannot reach the agency API"):
        list(connector.pages(None))


def test_missing_token_is_a_configuration_error(tmp_path: Path):
    with pytest.raises(ValueError, match=r"HUB_X .*is unset"):
        AgencyApiConnector.from_config(
            "agency", {"base_url": "http://x", "token_env": "HUB_X"}, secret=lambda _n: None
        )
