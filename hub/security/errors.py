"""Errors of access control; the API maps them to 401/403 OperationOutcomes.

SecurityError
├── NotAuthenticated   401   no credentials, or they are expired, forged or revoked
└── Forbidden          403   valid credentials without the scope or compartment
"""

from __future__ import annotations

__all__ = ["Forbidden", "NotAuthenticated", "SecurityError"]


class SecurityError(Exception):
    """A request refused for who is asking; the message never names patient data."""

    status_code = 403
    issue_code = "forbidden"


class NotAuthenticated(SecurityError):
    """401: present a valid bearer token (or log in)."""

    status_code = 401
    issue_code = "login"


class Forbidden(SecurityError):
    """403: the caller is known but may not do this."""
