"""Cost of access control and sealing on a FHIR read.

Modes: auth off; bearer token + scopes + revocation lookup + AuditEvent; the same over a
store that keeps the Patient's resident ID and mobile sealed (AES-SIV, revealed on read).
Runs the app in-process over a scratch SQLite store, reads one Patient N times each way
and prints p50/p95 per mode; first, writes M Patients with write_many with and without
the sealer. Usage: ``bench/security.py [reads] [writes]``; the last line is ``RESULT <json>``.
"""

from __future__ import annotations

import json
import os
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
WRITES = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
RESIDENT_SYSTEM = "https://carehub.org/fhir/sid/cn-resident-id"
PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Wang"}],
    "identifier": [{"system": RESIDENT_SYSTEM, "value": "110105199001011234"}],
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


def _patients(count: int) -> list[dict[str, object]]:
    """Patients with distinct resident IDs and mobiles (sealing cost is per number)."""
    return [
        {
            **PATIENT,
            "id": f"p{i}",
            "identifier": [{"system": RESIDENT_SYSTEM, "value": f"110105199001{i:06d}"}],
            "telecom": [{"system": "phone", "value": f"138{i:08d}"}],
        }
        for i in range(count)
    ]


def _write_rate(sealed: bool, data_dir: Path) -> float:
    """Patients per second through write_many on a scratch SQLite store."""
    settings = Settings(data_dir=data_dir)
    store = open_store(
        settings.effective_database_url, sealer=field_sealer(settings) if sealed else None
    )
    patients = _patients(WRITES)
    start = time.perf_counter()
    store.write_many(patients)
    rate = WRITES / (time.perf_counter() - start)
    store.engine.dispose()
    return rate


def _writes(result: dict[str, object]) -> None:
    print(f"{'write':<14} {'patients':>8} {'per s':>8}")
    for mode, sealed in (("plain", False), ("sealed", True)):
        with tempfile.TemporaryDirectory() as scratch:
            rate = _write_rate(sealed, Path(scratch))
        print(f"{mode:<14} {WRITES:>8} {rate:>8.0f}")
        result[f"write-{mode}_per_s"] = round(rate)


def main() -> None:
    """Print the tables and the RESULT line."""
    result: dict[str, object] = {"load_average_1m": os.getloadavg()[0]}
    _writes(result)
    print(f"{'mode':<14} {'reads':>6} {'p50 ms':>8} {'p95 ms':>8}")
    modes = (("auth-off", False, False), ("auth-on", True, False), ("auth-on-sealed", True, True))
    p50s: dict[str, float] = {}
    for mode, enabled, sealed in modes:
        with tempfile.TemporaryDirectory() as scratch:
            times = sorted(_timings(enabled, sealed, Path(scratch)))
        p50, p95 = statistics.median(times), times[int(len(times) * 0.95)]
        print(f"{mode:<14} {READS:>6} {p50:>8.2f} {p95:>8.2f}")
        result[mode] = {"p50_ms": round(p50, 3), "p95_ms": round(p95, 3)}
        p50s[mode] = p50
    result["ratio_p50"] = round(p50s["auth-on"] / p50s["auth-off"], 2)
    result["sealed_ratio_p50"] = round(p50s["auth-on-sealed"] / p50s["auth-on"], 2)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
