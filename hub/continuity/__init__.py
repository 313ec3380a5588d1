"""Continuity of care: the rules that find gaps needing action, and Tasks for the worklist.

``rules`` and ``facts`` are pure (facts read from FHIR dicts, rules evaluated as of a day);
``tasks`` turns findings into FHIR Tasks; ``service`` runs them over the store.
"""
