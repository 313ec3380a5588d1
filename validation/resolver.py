"""Whether a relative reference in a record's output resolves: produced, or derived by its source.

A reference that is not in the record's own output must carry a stable id the record's
source derives from one of the record's values (``candidate_keys``). Computing every
candidate's uuid5 per record and type cost most of the FHIR checks, so each checker learns
which *recipe* (prefix + field) gave the ids of a (source, kind, type) before and tries
those first; only a miss computes the full candidate set, so the verdicts are unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from hub.domain.identifiers import stable_id
from hub.domain.records import SourceRecord

__all__ = ["KEY_PREFIXES", "Hints", "Resolver", "candidate_keys"]

#: The prefixes the hub's mappings put before a source key when deriving a stable id.
KEY_PREFIXES = (
    *("case", "care_plan", "admission", "contact", "community", "registration"),
    *("follow_up", "guardian", "ward", "emergency", "diagnosis", "order"),
)
#: A way to build a candidate key from any record: (prefix or "" for the bare value, field),
#: or ("need", "needs" / "goals") for the per need domain keys.
Recipe = tuple[str, str]
#: (source system, record kind, resource type) -> recipes that derived its ids, latest first.
Hints = dict[tuple[str, str, str], list[Recipe]]
_NEED = "need"
_HINTS_KEPT = 4  # a type's ids come from one or two recipes; a few more cost little


@lru_cache(maxsize=1 << 16)
def _stable_id(system: str, resource_type: str, key: str) -> str:
    # A page's records share patients, episodes and staff: their ids repeat across records.
    return stable_id(system, resource_type, key)


def _values(record: SourceRecord) -> list[tuple[str, str]]:
    return [
        (name, str(v))
        for name, v in record.__dict__.items()
        if isinstance(v, str | int) and v != ""
    ]


def _need_keys(record: SourceRecord, field: str) -> Iterator[str]:
    case_id = getattr(record, "case_id", None)
    if not case_id:
        return
    attribute = "domain" if field == "needs" else "need_domain"
    for item in getattr(record, field, ()) or ():
        yield f"need|{case_id}|{getattr(item, attribute)}"


def _recipes(record: SourceRecord) -> Iterator[tuple[Recipe, str]]:
    """Every candidate key with its recipe, in ``candidate_keys`` order."""
    values = _values(record)
    for name, value in values:
        yield ("", name), value
    for prefix in KEY_PREFIXES:
        for name, value in values:
            yield (prefix, name), f"{prefix}|{value}"
    for field in ("needs", "goals"):
        for key in _need_keys(record, field):
            yield (_NEED, field), key


def candidate_keys(record: SourceRecord) -> Iterator[str]:
    """Source keys the record's own values give: bare, prefixed, and per need domain."""
    return (key for _, key in _recipes(record))


def _keys(record: SourceRecord, recipe: Recipe) -> Iterator[str]:
    """The candidate keys one recipe gives for this record (none when its field is empty)."""
    prefix, field = recipe
    if prefix == _NEED:
        yield from _need_keys(record, field)
        return
    value: Any = record.__dict__.get(field)
    if isinstance(value, str | int) and value != "":
        yield f"{prefix}|{value!s}" if prefix else str(value)


class Resolver:
    """Whether a reference points into the record's output or at an id its source derives."""

    def __init__(self, record: SourceRecord, system: str, produced: set[str], hints: Hints) -> None:
        """``produced``: the record's own resources as references (``Type/id``)."""
        self.record, self.system, self.produced, self.hints = record, system, produced, hints
        self._derived: dict[str, dict[str, Recipe]] = {}

    def resolves(self, reference: str) -> bool:
        """True for contained, absolute and canonical references, or a known relative one."""
        if reference in self.produced:  # most references: a resource of the record's own
            return True
        if reference.startswith("#") or "://" in reference or reference.startswith("urn:"):
            return True
        resource_type, _, resource_id = reference.partition("/")
        hint_key = (self.system, self.record.kind, resource_type)
        for recipe in self.hints.get(hint_key, ()):
            for key in _keys(self.record, recipe):
                if _stable_id(self.system, resource_type, key) == resource_id:
                    return True
        derived = self._derived.get(resource_type)
        if derived is None:
            derived = self._derived[resource_type] = self._derive(resource_type)
        recipe_found = derived.get(resource_id)
        if recipe_found is None:
            return False
        recipes = [recipe_found, *(r for r in self.hints.get(hint_key, ()) if r != recipe_found)]
        self.hints[hint_key] = recipes
        del recipes[_HINTS_KEPT:]
        return True

    def _derive(self, resource_type: str) -> dict[str, Recipe]:
        """Every id the record's candidate keys give for a type, with the first recipe for it."""
        derived: dict[str, Recipe] = {}
        for recipe, key in _recipes(self.record):
            derived.setdefault(_stable_id(self.system, resource_type, key), recipe)
        return derived
