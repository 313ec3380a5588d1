"""Schema migrations: ``hub db upgrade`` and the start-up check run these."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = ["alembic_config", "current_heads", "is_up_to_date", "upgrade"]

_SCRIPTS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade(engine: Engine, target: str = "heads") -> None:
    """Bring the database schema up to date (every branch head)."""
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def current_heads(engine: Engine) -> set[str]:
    """The revisions the database is at."""
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def is_up_to_date(engine: Engine) -> bool:
    """True when the database is at every head of the packaged migrations."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    return current_heads(engine) == heads
