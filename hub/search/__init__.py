"""FHIR search: parameter definitions, index extraction, and query building."""
