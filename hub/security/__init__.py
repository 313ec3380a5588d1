"""Access control, audit and privacy: tokens, SMART scopes, roles, AuditEvents, masking."""
