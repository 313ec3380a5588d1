"""Web pages for integration teams: the worklist and the patient page (Jinja2, no CDN)."""
