"""``hub users`` and ``hub clients``: add, list, revoke, and a token for a client."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from hub.config import AuthSettings
from hub.security.tokens import TokenService


def test_users_and_clients_lifecycle(tmp_path: Path) -> None:
    """Accounts are listed with their role and state; a client token carries its scopes."""
    runner = CliRunner()
    env = {"HUB_DATA_DIR": str(tmp_path / "var"), "HUB_SECRET_KEY": "k"}

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    refused = runner.invoke(
        app, ["users", "add", "lin", "--role", "social_worker", "--password", "pw"], env=env
    )
    assert refused.exit_code != 0
    assert "--practitioner" in refused.output
    bad = ["--practitioner", "Patient/x"]
    refused = runner.invoke(
        app, ["users", "add", "lin", "--role", "social_worker", "--password", "pw", *bad], env=env
    )
    assert refused.exit_code != 0
    assert "not a Practitioner/<id>" in refused.output
    run(
        "users",
        "add",
        "lin",
        "--role",
        "social_worker",
        "--password",
        "pw",
        "--practitioner",
        "Practitioner/sw1",
    )
    run("clients", "add", "feeder", "--role", "connector", "--secret", "s", "--source", "station")
    assert "lin" in run("users", "list")
    token = run("clients", "token", "feeder", "--scope", "system/Observation.cu").strip()
    claims = TokenService(AuthSettings(), "k").verify(token)
    assert claims["scope"] == "system/Observation.cu"
    assert claims["source"] == "station"
    run("clients", "revoke", "feeder")
    assert "revoked" in run("clients", "list")
    refused = runner.invoke(app, ["clients", "token", "feeder"], env=env)
    assert refused.exit_code != 0


def test_access_control_is_on_unless_switched_off() -> None:
    """`hub serve` and `hub demo` start with auth on; only an explicit setting turns it off."""
    assert AuthSettings().enabled is True
    assert AuthSettings.model_fields["enabled"].default is True
