"""The quality layer of the service: the ingest's gate, per-run reports, and serving them."""
