"""The community rehabilitation station: national-system exports in a drop folder
(``station_files``)."""

from __future__ import annotations

from connectors.rehab_station.files import StationFilesConnector

__all__ = ["StationFilesConnector"]
