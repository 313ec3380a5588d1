"""Source connectors: one sub-package per source kind; ``connectors.base`` does the work once.

``CONNECTORS`` maps the ``kind`` of a source in sources.toml to its connector class; an
unknown kind raises KeyError (explicit registry, no import magic).
"""

from __future__ import annotations

from connectors.base import Connector
from connectors.hospital import AdtFileConnector, HospitalDatabaseConnector
from connectors.rehab_station import StationFilesConnector
from connectors.social_work import AgencyApiConnector

__all__ = ["CONNECTORS", "Connector", "connector_class"]

CONNECTORS: dict[str, type[Connector]] = {
    connector.kind: connector
    for connector in (
        HospitalDatabaseConnector,
        AdtFileConnector,
        StationFilesConnector,
        AgencyApiConnector,
    )
}


def connector_class(kind: str) -> type[Connector]:
    """The connector class for a kind, or KeyError naming the known kinds."""
    try:
        return CONNECTORS[kind]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS)) or "none registered"
        raise KeyError(f"unknown source kind {kind!r} (known: {known})") from None
