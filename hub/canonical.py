"""The canonical resources the mappings ship, loaded into the store when the hub starts.

Questionnaires, CodeSystems, ValueSets and ConceptMaps live as JSON data beside the
mappings (``mappings.canonical_resources()``); QuestionnaireResponses point at them by
canonical ``url|version``. Loading them into the store makes ``GET
/fhir/Questionnaire?url=...`` answer with what the hub itself uses. The store recognises
unchanged content by its hash, so loading at every start-up writes nothing new; a changed
definition (a new mapping version) becomes a new version of the same resource.

The hub's own CodeSystems (rules, timeline kinds, tags: ``hub.codesystems``) go with them,
and the StructureDefinitions of the extensions the hub and the mappings write
(``hub.extensions``).

Called once by each entry point that opens the store for use: ``hub db upgrade``,
``hub serve``, ``hub sync`` and ``hub demo``.
"""

from __future__ import annotations

from hub.store import FhirStore, VersionConflict, WriteSummary

__all__ = ["load_canonical_resources"]


#: Tries when another process writes the same definitions at the same time.
_TRIES = 3


def load_canonical_resources(store: FhirStore) -> WriteSummary:
    """Write the shipped canonical resources into the store; unchanged ones stay as they are.

    Processes that start together on a new database (``uvicorn --factory`` workers, a sync
    beside a serve) may create the same definition at once, and the later commit fails with
    a version conflict. By then the other's rows are there, so another pass finds them
    unchanged and writes nothing.
    """
    # Imported on use: the mappings load their code tables on import, which commands that
    # never open the store should not pay for.
    from hub.codesystems import hub_code_systems
    from hub.extensions import extension_definitions
    from mappings import canonical_resources

    documents = [*canonical_resources(), *hub_code_systems(), *extension_definitions()]
    for attempt in range(1, _TRIES + 1):
        try:
            return store.write_many(documents)
        except VersionConflict:
            if attempt == _TRIES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
