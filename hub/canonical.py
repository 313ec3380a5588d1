"""The canonical resources the mappings ship, loaded into the store when the hub starts.

Questionnaires, CodeSystems, ValueSets and ConceptMaps live as JSON data beside the
mappings (``mappings.canonical_resources()``); QuestionnaireResponses point at them by
canonical ``url|version``. Loading them into the store makes ``GET
/fhir/Questionnaire?url=...`` answer with what the hub itself uses. The store recognises
unchanged content by its hash, so loading at every start-up writes nothing new; a changed
definition (a new mapping version) becomes a new version of the same resource.

The hub's own CodeSystems (rules, timeline kinds, tags: ``hub.codesystems``) go with them.

Called once by each entry point that opens the store for use: ``hub db upgrade``,
``hub serve``, ``hub sync`` and ``hub demo``.
"""

from __future__ import annotations

from hub.store import FhirStore, WriteSummary

__all__ = ["load_canonical_resources"]


def load_canonical_resources(store: FhirStore) -> WriteSummary:
    """Write the shipped canonical resources into the store; unchanged ones stay as they are."""
    # Imported on use: the mappings load their code tables on import, which commands that
    # never open the store should not pay for.
    from hub.codesystems import hub_code_systems
    from mappings import canonical_resources

    return store.write_many([*canonical_resources(), *hub_code_systems()])
