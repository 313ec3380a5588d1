"""End to end in a real browser: the hub as a process, headless Chromium, worklist to patient.

Skips where no Chromium is installed, unless HUB_REQUIRE_CHROMIUM=1 (CI), where it fails.
Never downloads a browser: Debian's /usr/bin/chromium driven by playwright.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import open_store
from tests.continuity.district import D0, three_sources
from tests.continuity.history import days
from tests.e2e.conftest import HUB, RunningHub, start_hub, stop_hub

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("HUB_REQUIRE_CHROMIUM") == "1":
        pytest.fail(f"HUB_REQUIRE_CHROMIUM=1 but {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def district_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """A hub process over a store with two persons from all three sources, gaps evaluated."""
    _require_chromium()
    data_dir = tmp_path_factory.mktemp("district") / "var"
    data_dir.mkdir()
    store = open_store(f"sqlite:///{data_dir / 'hub.sqlite'}")
    for prefix in ("w", "z"):
        store.write_many(three_sources(prefix)[0])
    store.engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_DATA_DIR": str(data_dir), "HUB_LANGUAGE": "en"}
    gaps = subprocess.run(
        [HUB, "gaps", "--as-of", days(D0, 15).isoformat()], env=env, capture_output=True, text=True
    )
    assert gaps.returncode == 0, gaps.stderr
    assert "discharge-follow-up" in gaps.stderr
    hub = start_hub(data_dir, env={"HUB_LANGUAGE": "en"})
    try:
        yield hub
    finally:
        stop_hub(hub)


def test_worklist_filter_patient_timeline(district_hub: RunningHub) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{district_hub.base_url}/web/worklist")
            assert page.locator("tr.gap").count() == 6  # 3 gaps for each of the 2 persons
            page.select_option("#filter-rule", "discharge-follow-up")  # submits on change
            page.wait_for_url("**rule=discharge-follow-up**")
            rows = page.locator("tr.gap")
            assert rows.count() == 2
            assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.rule)")) == {
                "discharge-follow-up"
            }
            page.locator("a.patient-link").first.click()
            page.wait_for_selector("svg#timeline circle.event")
            sources = page.locator("svg#timeline circle.event").evaluate_all(
                "cs => cs.map(c => c.dataset.source)"
            )
            assert set(sources) == {"hospital", "station", "agency"}
            assert page.locator("tr.event-row").count() == len(sources)
            assert page.locator("figure.spark").count() >= 2  # risk level and a scale
            assert page.locator("li.open-gap").count() == 3
            page.screenshot(path=str(ARTIFACTS / "continuity-patient.png"), full_page=True)
        finally:
            browser.close()
