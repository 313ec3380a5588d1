"""The hub's one Settings object: read from the environment once, validated, passed in.

Nothing else in the code base reads ``os.environ``. Every variable starts with ``HUB_``;
nested groups use a double underscore (``HUB_IDENTITY__MATCH_THRESHOLD=0.99``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEFAULT_SECRET",
    "AuthSettings",
    "ConfigurationError",
    "FollowUpRules",
    "IdentitySettings",
    "PrivacySettings",
    "Settings",
    "load_settings",
    "read_secret",
]

#: The shipped secret_key: fine for the demo, never for real records (a warning says so).
DEFAULT_SECRET = "change-me-in-production"  # noqa: S105 - the known placeholder, warned about
SUPPORTED_DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


class ConfigurationError(Exception):
    """Start-up cannot go on: the message is one sentence naming the setting to fix."""


class FollowUpRules(BaseModel):
    """Follow-up intervals of the national work specification and the continuity-rule choices."""

    unstable_max_days: int = 14
    basically_stable_first_days: int = 14
    basically_stable_max_days: int = 31
    stable_max_days: int = 92
    min_per_year: int = 4
    discharge_follow_up_days: int = 14
    readmission_days: int = 30
    high_risk_level: int = 3
    lost_after_missed_visits: int = Field(
        default=3, ge=1, description="Missed intervals in a row before lost (loss reason 4)."
    )
    case_plan_days: int = Field(
        default=30, ge=0, description="Days an open social-work case may lack an active plan."
    )
    readmission_review_days: int = Field(
        default=14, ge=0, description="Days the hospital has to review a readmission."
    )
    lookback_days: int = Field(
        default=365, ge=1, description="How far back an event can still open a continuity gap."
    )


class IdentitySettings(BaseModel):
    """Thresholds of the probabilistic linkage (match probability)."""

    match_threshold: float = 0.99
    review_threshold: float = 0.80


class PrivacySettings(BaseModel):
    """Publication rules for aggregates (Statistics Law); keys for identifiers at rest."""

    small_cell_min: int = 1
    small_cell_max: int = 4
    encryption_key: SecretStr | None = Field(
        default=None,
        description="Encrypts resident IDs and phone numbers at rest; default: from secret_key.",
    )
    index_key: SecretStr | None = Field(
        default=None,
        description="Keys the search-index hashes of those numbers; default: from secret_key.",
    )


class AuthSettings(BaseModel):
    """Access control: the hub's own tokens, an external identity provider, sessions."""

    enabled: bool = Field(
        default=True, description="Require a token or session (off only in tests)."
    )
    jwt_issuer: str = Field(default="carehub", description="`iss` of the tokens the hub issues.")
    external_issuer: str | None = Field(default=None, description="`iss` of an external IdP.")
    jwks_url: str | None = Field(default=None, description="JWKS of the external IdP.")
    token_lifetime_seconds: int = Field(default=900, ge=30, le=86400)
    session_lifetime_seconds: int = Field(default=8 * 3600, ge=60, le=7 * 86400)
    secure_cookies: bool = Field(default=False, description="Mark cookies Secure (behind TLS).")
    audit_flush_seconds: float = Field(default=1.0, gt=0, description="AuditEvent batch age.")
    revocation_check_seconds: float = Field(
        default=1.0,
        ge=0,
        description="A revoked client's tokens are refused within this many seconds (0: re-check "
        "the client on every request).",
    )
    max_body_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, description="Larger request bodies get 413."
    )


class Settings(BaseSettings):
    """Everything the hub can be told at start-up."""

    model_config = SettingsConfigDict(
        env_prefix="HUB_", env_nested_delimiter="__", extra="ignore", case_sensitive=False
    )

    data_dir: Path = Field(default=Path("var"), description="Where the hub keeps its files.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory."
    )
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port the API listens on.")
    base_url: str | None = Field(
        default=None, description="Public base URL of the FHIR API; default http://host:port/fhir."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    language: Literal["zh", "en"] = Field(default="zh", description="Language of the web UI.")
    secret_key: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET),
        description="Signs sessions and tokens and keys the hashes of identifiers.",
    )
    district_code: str = Field(default="310104", description="GB/T 2260 code of the district.")
    follow_up: FollowUpRules = FollowUpRules()
    identity: IdentitySettings = IdentitySettings()
    privacy: PrivacySettings = PrivacySettings()
    auth: AuthSettings = AuthSettings()

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def effective_database_url(self) -> str:
        """The database URL in force: the setting, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hub.sqlite').as_posix()}"

    @property
    def fhir_base_url(self) -> str:
        """Absolute base URL of the FHIR API, used in Bundle links and Location headers."""
        return (self.base_url or f"http://{self.host}:{self.port}/fhir").rstrip("/")


def _check_database_scheme(url: str) -> None:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ConfigurationError(
            f"HUB_DATABASE_URL has the unsupported scheme {scheme or '(none)'!r}; "
            "use sqlite:///path/to/file or postgresql+psycopg://user@host:port/database."
        )


def _check_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"HUB_DATA_DIR {str(data_dir)!r} cannot be created ({exc.strerror})."
        ) from None
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise ConfigurationError(f"HUB_DATA_DIR {str(data_dir)!r} is not writable.")


def load_settings(**overrides: object) -> Settings:
    """Read the environment once, validate, and return the Settings (or one clear error)."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "HUB_" + "__".join(str(p) for p in first["loc"]).upper()
        raise ConfigurationError(f"{name} is invalid: {first['msg']}.") from None
    _check_database_scheme(settings.effective_database_url)
    _check_data_dir(settings.data_dir)
    return settings


def read_secret(variable: str) -> str | None:
    """A secret named in a sources file (``token_env = "..."``), from the environment."""
    return os.environ.get(variable)
