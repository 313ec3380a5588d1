"""Users (web login) and clients (token endpoint): stored with hashed secrets, revocable.

Passwords and client secrets are hashed with scrypt (stdlib ``hashlib``), never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from hub.security.roles import Role
from hub.security.schema import ended_session, hub_client, hub_user

__all__ = [
    "Account",
    "add_client",
    "add_user",
    "check_password",
    "client_status",
    "end_session",
    "find_client",
    "find_user",
    "hash_secret",
    "list_accounts",
    "revoke",
    "session_ended",
    "token_refused",
]

_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str) -> str:
    """A salted scrypt hash of a password or client secret."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(secret: str, stored: str | None) -> bool:
    """Whether the secret matches the stored hash (constant time)."""
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt, digest = stored.split("$")
    actual = hashlib.scrypt(
        secret.encode(), salt=base64.b64decode(salt), n=_N, r=_R, p=_P, dklen=32
    )
    return hmac.compare_digest(actual, base64.b64decode(digest))


@dataclass(frozen=True)
class Account:
    """A user or client as the hub knows it (no secrets)."""

    name: str
    role: Role
    district: str | None
    area: str | None
    source: str | None
    revoked: bool
    secret_hash: str | None = None
    public_jwks: dict[str, Any] | None = None
    practitioner: str | None = None  # a user's Practitioner reference (SMART fhirUser)


def add_user(engine: Engine, username: str, password: str, role: Role, **where: str | None) -> None:
    """Create or replace a user (un-revoking it)."""
    row = {
        "username": username,
        "password_hash": hash_secret(password),
        "role": role.value,
        "district": where.get("district"),
        "area": where.get("area"),
        "practitioner": where.get("practitioner"),
        "revoked": False,
        "created_at": datetime.now(UTC).replace(tzinfo=None),
    }
    with engine.begin() as conn:
        conn.execute(hub_user.delete().where(hub_user.c.username == username))
        conn.execute(hub_user.insert().values(**row))


def add_client(
    engine: Engine,
    name: str,
    role: Role,
    *,
    secret: str | None = None,
    public_jwks: dict[str, Any] | None = None,
    **where: str | None,
) -> None:
    """Create or replace a client with a secret and/or public keys (private_key_jwt)."""
    row = {
        "name": name,
        "secret_hash": hash_secret(secret) if secret else None,
        "public_jwks": orjson.dumps(public_jwks).decode() if public_jwks else None,
        "role": role.value,
        "district": where.get("district"),
        "source": where.get("source"),
        "revoked": False,
        "created_at": datetime.now(UTC).replace(tzinfo=None),
    }
    with engine.begin() as conn:
        conn.execute(hub_client.delete().where(hub_client.c.name == name))
        conn.execute(hub_client.insert().values(**row))


def find_user(engine: Engine, username: str) -> Account | None:
    """The user by name, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(hub_user).where(hub_user.c.username == username)).first()
    if row is None:
        return None
    return Account(
        row.username,
        Role(row.role),
        row.district,
        row.area,
        None,
        row.revoked,
        row.password_hash,
        practitioner=row.practitioner,
    )


def find_client(engine: Engine, name: str) -> Account | None:
    """The client by name, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(hub_client).where(hub_client.c.name == name)).first()
    if row is None:
        return None
    jwks = orjson.loads(row.public_jwks) if row.public_jwks else None
    return Account(
        row.name, Role(row.role), row.district, None, row.source, row.revoked, row.secret_hash, jwks
    )


def list_accounts(engine: Engine, kind: str) -> list[Account]:
    """All users (``kind='user'``) or clients."""
    table = hub_user if kind == "user" else hub_client
    key = table.c.username if kind == "user" else table.c.name
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(select(key).order_by(key))]
    finder = find_user if kind == "user" else find_client
    return [a for a in (finder(engine, n) for n in names) if a is not None]


def revoke(engine: Engine, kind: str, name: str) -> bool:
    """Revoke a user or client; False when there is none by that name."""
    table = hub_user if kind == "user" else hub_client
    key = table.c.username if kind == "user" else table.c.name
    with engine.begin() as conn:
        return conn.execute(update(table).where(key == name).values(revoked=True)).rowcount > 0


def client_status(engine: Engine, name: str) -> tuple[bool, int] | None:
    """(revoked, registered at in epoch seconds) of a client, or None if there is none."""
    with engine.connect() as conn:
        row = conn.execute(
            select(hub_client.c.revoked, hub_client.c.created_at).where(hub_client.c.name == name)
        ).first()
    if row is None:
        return None
    return bool(row.revoked), int(row.created_at.replace(tzinfo=UTC).timestamp())


def token_refused(status: tuple[bool, int] | None, issued_at: int | None) -> bool:
    """Whether a client's status refuses a token: revoked, or registered anew after it. Pure."""
    if status is None:
        return False  # not one of ours: an external IdP's subject, or a script's own token
    revoked, registered = status
    return revoked or (issued_at is not None and issued_at < registered)


def end_session(engine: Engine, jti: str, expires_at: int) -> None:
    """Record a logout so every worker refuses the session; expired rows are dropped."""
    now = datetime.now(UTC).replace(tzinfo=None)
    expires = datetime.fromtimestamp(expires_at, UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(delete(ended_session).where(ended_session.c.expires_at < now))
        known = conn.execute(select(ended_session.c.jti).where(ended_session.c.jti == jti)).first()
        if known is None:
            conn.execute(ended_session.insert().values(jti=jti, expires_at=expires))


def session_ended(engine: Engine, jti: str) -> bool:
    """Whether a logout ended the session with this token id (on any worker)."""
    with engine.connect() as conn:
        row = conn.execute(select(ended_session.c.jti).where(ended_session.c.jti == jti)).first()
    return row is not None
