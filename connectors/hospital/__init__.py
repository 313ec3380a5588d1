"""The psychiatric hospital: its HIS views (``hospital_db``) and HL7 v2 ADT files
(``hospital_adt``)."""

from __future__ import annotations

from connectors.hospital.adt import AdtFileConnector
from connectors.hospital.database import HospitalDatabaseConnector

__all__ = ["AdtFileConnector", "HospitalDatabaseConnector"]
