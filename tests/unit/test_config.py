"""Settings: defaults, the environment, and one clear sentence for each bad setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigurationError, load_settings
from hub.store import StoreUnavailable, check_connection, make_engine


def test_default_database_is_an_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "var")
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'var' / 'hub.sqlite'}"
    assert (tmp_path / "var").is_dir()


def test_environment_switches_to_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://u@db:5432/hub")
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_IDENTITY__MATCH_THRESHOLD", "0.95")
    settings = load_settings()
    assert settings.effective_database_url == "postgresql+psycopg://u@db:5432/hub"
    assert settings.identity.match_threshold == 0.95


def test_unknown_database_scheme_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(database_url="mysql://root@localhost/hub", data_dir=tmp_path)
    message = str(caught.value)
    assert "HUB_DATABASE_URL" in message
    assert "mysql" in message
    assert "\n" not in message


def test_data_directory_that_cannot_be_created_names_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigurationError, match="HUB_DATA_DIR"):
        load_settings(data_dir=blocker / "var")


def test_invalid_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="HUB_PORT"):
        load_settings(port="not-a-port", data_dir=tmp_path)


def test_unreachable_postgresql_is_one_sentence_naming_the_setting() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreUnavailable) as caught:
        check_connection(engine)
    message = str(caught.value)
    assert message.startswith("HUB_DATABASE_URL: cannot connect to")
    assert "Traceback" not in message
    assert "\n" not in message
