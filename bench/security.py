"""Cost of access control and sealing on a FHIR read.

Modes: auth off; bearer token + scopes + revocation lookup + AuditEvent; the same over a
store that keeps the Patient's resident ID and mobile sealed (AES-SIV, revealed on read).
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
from hub.security.at_rest import field_sealer
from hub.security.roles import Role, role_scopes
from hub.security.tokens import TokenService
from hub.store import open_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

READS = int(sys.argv[1]) if len(sys.argv) > 1 else 500
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Wang"}],
    "identifier": [
        {"system": "https://carehub.org/fhir/sid/cn-resident-id", "value": "110105199001011234"}
    ],
    "telecom": [{"system": "phone", "value": "13812345678"}],
}


def _timings(enabled: bool, sealed: bool, data_dir: Path) -> list[float]:
    settings = Settings(data_dir=data_dir, auth=AuthSettings(enabled=enabled))
    sealer = field_sealer(settings) if sealed else None
    store = open_store(settings.effective_database_url, sealer=sealer)
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
            response = client.get("/fhir/Patient/p1", headers=headers)
            assert response.status_code == 200
            times.append((time.perf_counter() - start) * 1000)
    app.state.audit.close()
    assert "13812345678" in response.text  # revealed (the integration team sees numbers)
    return times


def main() -> None:
    """Print the table and the RESULT line."""
    result = {}
    print(f"{'mode':<14} {'reads':>6} {'p50 ms':>8} {'p95 ms':>8}")
    modes = (("auth-off", False, False), ("auth-on", True, False), ("auth-on-sealed", True, True))
    for mode, enabled, sealed in modes:
        with tempfile.TemporaryDirectory() as scratch:
            times = sorted(_timings(enabled, sealed, Path(scratch)))
        p50, p95 = statistics.median(times), times[int(len(times) * 0.95)]
        print(f"{mode:<14} {READS:>6} {p50:>8.2f} {p95:>8.2f}")
        result[mode] = {"p50_ms": round(p50, 3), "p95_ms": round(p95, 3)}
    result["ratio_p50"] = round(result["auth-on"]["p50_ms"] / result["auth-off"]["p50_ms"], 2)
    sealed_p50 = result["auth-on-sealed"]["p50_ms"]
    result["sealed_ratio_p50"] = round(sealed_p50 / result["auth-on"]["p50_ms"], 2)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
