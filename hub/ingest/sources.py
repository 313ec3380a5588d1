"""sources.toml: which sources to pull and how; secrets come from the environment."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["DistrictConfig", "SourceConfig", "SourcesConfig", "SourcesFileError", "load_sources"]


class SourcesFileError(Exception):
    """The sources file cannot be used; the message names the file and the problem."""


class DistrictConfig(BaseModel):
    """The district the sources belong to."""

    model_config = ConfigDict(extra="allow")

    code: str
    name: str | None = None


class SourceConfig(BaseModel):
    """One source: its connector kind and the connector's own options."""

    model_config = ConfigDict(extra="allow")

    kind: str

    @property
    def options(self) -> dict[str, Any]:
        """Everything but ``kind``, for the connector."""
        return dict(self.model_extra or {})


class SourcesConfig(BaseModel):
    """The whole file."""

    district: DistrictConfig
    sources: dict[str, SourceConfig]


def load_sources(path: Path) -> SourcesConfig:
    """Read and validate a sources file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesFileError(f"sources file {str(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"sources file {str(path)!r} is not valid TOML ({exc}).") from None
    try:
        config = SourcesConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SourcesFileError(f"sources file {str(path)!r}: {where}: {first['msg']}.") from None
    for name, source in config.sources.items():
        for key in source.options:
            if any(word in key.lower() for word in ("password", "secret")) or key == "token":
                raise SourcesFileError(
                    f"sources file {str(path)!r}: source {name!r} has {key!r}; secrets come from "
                    "the environment (name the variable with a *_env option), never the file."
                )
    return config
