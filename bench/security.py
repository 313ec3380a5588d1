"""Cost of access control on a FHIR read: auth off vs bearer token + scopes + AuditEvent.

Runs the app in-process over a scratch SQLite store, reads one Patient N times each way
and prints p50/p95 per mode; the last line is ``RESULT <json>``.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from hub.api import create_app
from hub.config import AuthSettings, Settings
from hub.security.roles import Role, role_scopes
from hub.security.tokens import TokenService
from hub.store import open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

READS = int(sys.argv[1]) if len(sys.argv) > 1 else 500
PATIENT = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Wang"}]}


def _timings(enabled: bool, data_dir: Path) -> list[float]:
    settings = Settings(data_dir=data_dir, auth=AuthSettings(enabled=enabled))
    store = open_store(settings.effective_database_url)
    store.write_many([PATIENT])
    app = create_app(settings, store)
    token = TokenService(settings.auth, settings.secret_key.get_secret_value()).issue(
        subject="bench",
        role=Role.INTEGRATION_TEAM,
        scopes=role_scopes(Role.INTEGRATION_TEAM),
        district=settings.district_code,
    )
    headers = {"Authorization": f"Bearer {token}"} if enabled else {}
    times = []
    with TestClient(app, base_url="http://hub.test") as client:
        for _ in range(READS):
            start = time.perf_counter()
            assert client.get("/fhir/Patient/p1", headers=headers).status_code == 200
            times.append((time.perf_counter() - start) * 1000)
    app.state.audit.close()
    return times


def main() -> None:
    """Print the table and the RESULT line."""
    result = {}
    print(f"{'mode':<10} {'reads':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for mode, enabled in (("auth-off", False), ("auth-on", True)):
        with tempfile.TemporaryDirectory() as scratch:
            times = sorted(_timings(enabled, Path(scratch)))
        p50, p95 = statistics.median(times), times[int(len(times) * 0.95)]
        print(f"{mode:<10} {READS:>6} {p50:>8.2f} {p95:>8.2f}")
        result[mode] = {"p50_ms": round(p50, 3), "p95_ms": round(p95, 3)}
    result["ratio_p50"] = round(result["auth-on"]["p50_ms"] / result["auth-off"]["p50_ms"], 2)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
