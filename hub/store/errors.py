"""Errors of the FHIR store, grouped by what the caller should do.

StoreError
├── ResourceNotFound      the resource never existed: tell the client 404
├── ResourceGone          the resource was deleted: tell the client 410
├── VersionConflict       a stale If-Match or a lost race: re-read and retry (412 / 409)
├── InvalidResource       the JSON is not a storable resource: fix the input (400 / 422)
└── StoreUnavailable      the database cannot be reached or used: stop, fix the setting
    └── SealingKeyMismatch    a key differs from the one the data was sealed with
"""

from __future__ import annotations

__all__ = [
    "InvalidResource",
    "ResourceGone",
    "ResourceNotFound",
    "SealingKeyMismatch",
    "StoreError",
    "StoreUnavailable",
    "VersionConflict",
]


class StoreError(Exception):
    """Base of every store error."""


class ResourceNotFound(StoreError):
    """No resource of this type and id (or version) exists."""

    def __init__(self, resource_type: str, resource_id: str, version: int | None = None) -> None:
        self.resource_type, self.resource_id, self.version = resource_type, resource_id, version
        what = f"{resource_type}/{resource_id}" + (f"/_history/{version}" if version else "")
        super().__init__(f"{what} is not known to the hub.")


class ResourceGone(StoreError):
    """The resource existed and was deleted."""

    def __init__(self, resource_type: str, resource_id: str, version: int) -> None:
        self.resource_type, self.resource_id, self.version = resource_type, resource_id, version
        super().__init__(f"{resource_type}/{resource_id} was deleted (version {version}).")


class VersionConflict(StoreError):
    """The version the writer expected is not the current one."""

    def __init__(
        self, resource_type: str, resource_id: str, expected: int | None, current: int | None
    ) -> None:
        self.resource_type, self.resource_id = resource_type, resource_id
        self.expected, self.current = expected, current
        super().__init__(
            f"{resource_type}/{resource_id}: expected version {expected}, "
            f"but the current version is {current if current is not None else 'absent'}."
        )


class InvalidResource(StoreError):
    """The document cannot be stored as a FHIR resource."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or used."""


class SealingKeyMismatch(StoreUnavailable):
    """A configured key is not the one the stored data was sealed or hashed with.

    Going on would leave values that no key opens, or write new ones under the other key
    (a store sealed under two keys), so the store refuses to open.
    """
