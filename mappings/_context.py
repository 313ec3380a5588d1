"""What a mapping needs to know besides the record, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cached_property
from typing import Any

from mappings._structure import full_parse

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

    ``documents`` holds each resource's JSON as checked against its R4B model (equal to
    ``model_dump(mode="json", by_alias=True, exclude_none=True)``), ready for orjson.
    ``resources`` are the fhir.resources models of the same, parsed on first use only: the
    ingest never needs them, and parsing costs more than the mapping itself.
    """

    documents: list[dict[str, Any]]
    warnings: list[MappingWarning] = field(default_factory=list)

    @cached_property
    def resources(self) -> list[Any]:
        """The R4B models of ``documents``, in the same order."""
        return [full_parse(document) for document in self.documents]
