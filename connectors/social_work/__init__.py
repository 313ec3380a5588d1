"""The social-work agency: its case-management REST API (``agency_api``)."""

from __future__ import annotations

from connectors.social_work.api import AgencyApiConnector

__all__ = ["AgencyApiConnector"]
