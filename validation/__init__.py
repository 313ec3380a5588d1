"""Data quality: raw-extract suites (Great Expectations), FHIR-level and cross-source checks.

Pure of the service: it takes records, data frames and resources and returns findings and
tallies; ``hub.quality`` wires it into the ingest and keeps the reports.
"""
