"""Fixtures of the mapping tests: the golden-file checker and a mapping context."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mappings import MappingContext

GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden`` rewrites the golden files instead of comparing with them."""
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/mappings/golden/*.json from the current mappings",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, Any], None]:
    """Compare a JSON-able value with golden/<name>.json, or rewrite it with --update-golden."""
    update = bool(request.config.getoption("--update-golden", default=False))

    def check(name: str, value: Any) -> None:
        path = GOLDEN / f"{name}.json"
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        if update:
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path.name}; run pytest with --update-golden"
        assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)

    return check


@pytest.fixture
def context_for() -> Callable[[str], MappingContext]:
    """A mapping context of one source system in the test district."""

    def make(source_system: str) -> MappingContext:
        return MappingContext(
            source_system=source_system,
            run_id=f"run-{source_system}-0001",
            district_code="110105",
            organization_name=f"{source_system} of the test district",
            run_started_at=datetime(2024, 4, 1, 2, 0, tzinfo=UTC),
        )

    return make
