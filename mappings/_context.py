"""What a mapping needs to know besides the record, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

__all__ = ["CHINA_STANDARD_TIME", "MappingContext", "MappingResult", "MappingWarning"]

#: Source systems write local wall-clock times without an offset; FHIR needs one.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


@dataclass(frozen=True)
class MappingContext:
    """One connector run's facts every mapping of that run shares."""

    source_system: str
    run_id: str
    district_code: str
    organization_name: str | None = None
    #: When the connector run started; Provenance.recorded when a record keeps no timestamp.
    run_started_at: datetime | None = None
    #: Offset given to naive source timestamps.
    timezone: tzinfo = CHINA_STANDARD_TIME
    #: SSRS total bands: total <= low_max is low, <= medium_max medium, else high (configurable).
    ssrs_bands: tuple[int, int] = (22, 44)
    #: SDSS total at or above which social function counts as impaired (configurable).
    sdss_impairment_threshold: int = 2


@dataclass(frozen=True)
class MappingWarning:
    """A data-quality finding that does not stop the record, e.g. a total mismatch."""

    field: str
    message: str


@dataclass(frozen=True)
class MappingResult:
    """The FHIR resources one record became, its Provenance last, and any warnings.

    ``documents`` holds, in the same order, each resource's JSON as validated (equal to
    ``model_dump(mode="json", by_alias=True, exclude_none=True)``), ready for orjson: the
    model serialiser costs more than the mapping itself.
    """

    resources: list[Any]
    warnings: list[MappingWarning] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
