"""The HTTP API: FHIR REST at /fhir, the hub's own JSON API at /api, health at /healthz."""

from hub.api.app import create_app

__all__ = ["create_app"]
