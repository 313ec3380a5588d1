"""The references a record's resources make: pure functions, run where the record is mapped.

They live apart from ``hub.ingest.references`` (parking, which reads the store) so that the
mapping workers can find each record's outgoing references beside the mapping itself, and
the ingest's own process only has to ask the store about them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["outgoing_references", "own_references", "reference_values"]

#: A relative literal reference ``Type/id`` (R4 id syntax); absolute URLs, ``urn:`` and
#: contained (``#id``) references are not the store's to resolve.
_RELATIVE = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


def reference_values(value: Any) -> Iterator[str]:
    """Every ``reference`` string in the JSON value, in document order, nested ones included."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "reference" and isinstance(child, str):
                yield child
            else:
                yield from reference_values(child)
    elif isinstance(value, list):
        for child in value:
            yield from reference_values(child)


def own_references(resources: Iterable[dict[str, Any]]) -> set[str]:
    """``Type/id`` of each resource given."""
    return {f"{r['resourceType']}/{r['id']}" for r in resources if "id" in r}


def outgoing_references(resources: Sequence[dict[str, Any]]) -> set[str]:
    """Relative references of the resources to resources outside them."""
    found = {ref for r in resources for ref in reference_values(r) if _RELATIVE.match(ref)}
    return found - own_references(resources)
