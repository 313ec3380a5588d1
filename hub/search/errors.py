"""Errors of FHIR search, grouped by what the caller should do.

SearchError
└── InvalidSearch       the query is malformed or asks for what the hub does not support:
                        tell the client 400 and name the parameter
"""

from __future__ import annotations

__all__ = ["InvalidSearch", "SearchError"]


class SearchError(Exception):
    """Base of every search error."""


class InvalidSearch(SearchError):
    """The search request cannot be run as written; the message names the parameter."""
