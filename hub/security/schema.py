"""Tables of access control: users, clients and the append-only audit trail."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table

from hub.store.schema import JsonDocument, SealedText, metadata

__all__ = ["audit_event", "ended_session", "hub_client", "hub_user"]

hub_user = Table(
    "hub_user",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("district", String(16), nullable=True),
    Column("area", String(64), nullable=True),
    # The user's Practitioner (``Practitioner/<id>``): a social worker reaches only the
    # clients of the cases it manages (migration 0011).
    Column("practitioner", String(128), nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
)

hub_client = Table(
    "hub_client",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("secret_hash", String(255), nullable=True),
    Column("public_jwks", JsonDocument(), nullable=True),
    Column("role", String(32), nullable=False),
    Column("district", String(16), nullable=True),
    Column("source", String(64), nullable=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
)

#: Sessions ended by logout before they expire: every worker refuses them (kept until expiry).
ended_session = Table(
    "ended_session",
    metadata,
    Column("jti", String(64), primary_key=True),
    Column("expires_at", DateTime, nullable=False, index=True),
)

#: One row per audited request; the API only ever inserts and reads (append-only).
audit_event = Table(
    "audit_event",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("recorded", DateTime, nullable=False),
    Column("action", String(1), nullable=False),
    Column("subtype", String(32), nullable=False),
    Column("outcome", String(2), nullable=False),
    Column("agent", String(128), nullable=False),
    Column("role", String(32), nullable=True),
    Column("client_ip", String(64), nullable=True),
    Column("patient", String(128), nullable=True),
    Column("entity", String(255), nullable=True),
    Column("query", SealedText, nullable=True),  # a search may name a resident ID
    Column("status", Integer, nullable=False),
    Index("ix_audit_event_recorded", "recorded"),
    Index("ix_audit_event_patient", "patient"),
    Index("ix_audit_event_agent", "agent"),
)
