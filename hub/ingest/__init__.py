"""The ingest: where connectors, quality checks, mappings, identity and the store meet."""
