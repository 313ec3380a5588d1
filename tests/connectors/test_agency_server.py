"""The agency connector against the simulated agency's real HTTP server on a free port."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing

from connectors.base import RetryPolicy
from connectors.social_work import AgencyApiConnector
from simulators.agency import running_agency
from tests.connectors.conftest import District


def test_real_server_with_faults_yields_every_document_once(district: District):
    data = district.root / "agency" / "agency.sqlite"
    with closing(sqlite3.connect(data)) as db:
        expected = sum(
            db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
        )
    faults = "timeout:0.05,429:0.1,500:0.05,mutate:0.1,delay:0.6,retry_after:0,seed:3"
    with running_agency(data, faults=faults) as agency:
        connector = AgencyApiConnector(
            "agency",
            agency.base_url,
            agency.token,
            page_size=5,
            timeout=0.3,
            retry=RetryPolicy(attempts=10, sleep=lambda _s: None),
        )
        try:
            versions = Counter(
                (r.record_kind, r.source_key, r.payload["updated_at"])
                for page in connector.pages(None)
                for r in page.records
            )
        finally:
            connector.close()  # a timed-out connection must not outlive the test
    keys = {(kind, key) for kind, key, _stamp in versions}
    assert max(versions.values()) == 1  # no version read twice
    # every document arrives; a document moved under the pagination may also arrive as changed
    assert len(keys) == expected
    assert connector.stats.retries > 0
