"""Resident IDs and mobile numbers stay out of logs, error messages and the audit trail."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hub.security.masking import install_log_masking, keyed_hash, mask_text
from hub.security.roles import Role
from tests.e2e.conftest import start_hub, stop_hub
from tests.security.conftest import MOBILE, RESIDENT_ID, SECRET, TestClient, token_for

#: What must never appear: an 18-digit ID or an 11-digit mobile, not inside a longer number.
LEAK = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")
HUB = str(Path(sys.executable).with_name("hub"))


def test_mask_text_hides_ids_and_mobiles_but_not_other_numbers() -> None:
    """IDs and mobiles are masked; dates, counts and long record numbers are left alone."""
    text = f"id {RESIDENT_ID} tel {MOBILE} at 2024-03-01 count 12345 run 123456789012345678901"
    masked = mask_text(text)
    assert LEAK.search(masked) is None
    assert "2024-03-01" in masked
    assert "123456789012345678901" in masked
    assert masked.count("*") == 10 + 5


def test_keyed_hash_is_stable_and_keyed() -> None:
    """The same value hashes the same under one key, differently under another."""
    first = keyed_hash("k1", "resident-id", RESIDENT_ID)
    assert first == keyed_hash("k1", "resident-id", RESIDENT_ID)
    assert first != keyed_hash("k2", "resident-id", RESIDENT_ID)
    assert RESIDENT_ID not in first


def test_every_logger_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    """Messages, arguments and tracebacks of any logger come out masked."""
    install_log_masking()
    log = logging.getLogger("some.connector")
    with caplog.at_level(logging.DEBUG):
        log.debug("patient %s, phone %s", RESIDENT_ID, int(MOBILE))
        log.info(f"inline {RESIDENT_ID}")
        try:
            raise ValueError(f"bad row {MOBILE}")
        except ValueError:
            log.exception("row failed")
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "row failed" in text
    assert LEAK.search(text) is None, text


def test_error_messages_do_not_echo_identifiers(secure_app: TestClient) -> None:
    """A 400 or 404 that repeats the client's input masks IDs and mobiles in it."""
    bearer = {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}
    for path in (f"/fhir/Patient?birthdate={RESIDENT_ID}", f"/fhir/Patient/{MOBILE}"):
        answer = secure_app.get(path, headers=bearer)
        assert 400 <= answer.status_code < 500
        assert LEAK.search(answer.text) is None, answer.text


def test_audit_trail_masks_identifiers_in_queries(secure_app: TestClient) -> None:
    """Searching by resident ID is audited without the ID in clear."""
    bearer = {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}
    secure_app.get(f"/fhir/Patient?identifier={RESIDENT_ID}", headers=bearer)
    events = secure_app.app.state.audit.search()[1]  # type: ignore[attr-defined]
    assert len(events) == 1
    assert LEAK.search(str(events)) is None


@pytest.mark.slow
@pytest.mark.e2e
def test_sync_and_serve_at_debug_log_no_identifier(tmp_path: Path) -> None:
    """A whole small demo run (simulate, sync, check, link, gaps), then served and queried by
    ID and phone number at DEBUG: no log line holds one."""
    env = {"HUB_DATA_DIR": str(tmp_path / "var"), "HUB_LOG_LEVEL": "DEBUG", "PATH": ""}
    env["HUB_SECRET_KEY"] = SECRET  # the key the hub serves with: a store opens under one key
    logs = []
    for args in (
        ["demo", "--no-serve", "--patients", "10", "--years", "1"],
        ["sync", "--sources", str(tmp_path / "var" / "district" / "sources.toml")],
    ):
        done = subprocess.run(
            [HUB, *args], env=env, capture_output=True, text=True, timeout=600, check=True
        )
        logs.append(done.stdout + done.stderr)
    assert "DEBUG" in logs[0]
    assert "DEBUG" in logs[1]
    served = {"HUB_LOG_LEVEL": "DEBUG", "HUB_AUTH__ENABLED": "true", "HUB_SECRET_KEY": SECRET}
    hub = start_hub(tmp_path / "var", env=served)
    bearer = {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}
    try:
        for path in (
            f"/fhir/Patient?identifier={RESIDENT_ID}",
            f"/fhir/Patient?telecom={MOBILE}",
            f"/fhir/Patient?birthdate={RESIDENT_ID}",
        ):
            assert httpx.get(hub.base_url + path, headers=bearer, timeout=10).status_code < 500
    finally:
        stop_hub(hub)
    logs.append(hub.log_path.read_text())
    for text in logs:
        assert LEAK.search(text) is None, LEAK.search(text)


def test_identifiers_are_masked_for_roles_that_do_not_need_them(secure_app: TestClient) -> None:
    """A social worker gets the record with the ID and mobile masked; the team sees them."""
    worker = {"Authorization": f"Bearer {token_for(Role.SOCIAL_WORKER)}"}
    team = {"Authorization": f"Bearer {token_for(Role.INTEGRATION_TEAM)}"}
    for path in ("/fhir/Patient/w-s", "/fhir/Patient?_id=w-s"):
        masked = secure_app.get(path, headers=worker)
        assert masked.status_code == 200
        assert masked.json()["resourceType"] in ("Patient", "Bundle")
        assert RESIDENT_ID not in masked.text
        assert MOBILE not in masked.text
        assert RESIDENT_ID[:4] + "*" in masked.text
        assert RESIDENT_ID in secure_app.get(path, headers=team).text
