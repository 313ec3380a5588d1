"""docker-compose.yml: the hub waits for a healthy PostgreSQL and points at it."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from hub.store.engine import normalise_database_url

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def test_hub_points_at_the_database_service() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    url = make_url(normalise_database_url(services["hub"]["environment"]["HUB_DATABASE_URL"]))
    assert url.host == "db"
    assert url.get_backend_name() == "postgresql"
    assert url.database == services["db"]["environment"]["POSTGRES_DB"]
    assert url.username == services["db"]["environment"]["POSTGRES_USER"]
    assert services["hub"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in services["db"]
    assert "healthcheck" in services["hub"]
    assert services["db"]["image"].startswith("postgres:15")
    assert any(v.startswith("hub-db:") for v in services["db"]["volumes"])
