"""``hub users`` and ``hub clients``: who may log in or ask for tokens, and revoking them."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from hub.commands.common import fail, open_store_or_exit, out, settings_or_exit
from hub.config import Settings
from hub.security.roles import Role
from hub.store import FhirStore

__all__ = ["register"]

users_app = typer.Typer(help="Web users (log in to the pages).", no_args_is_help=True)
clients_app = typer.Typer(help="API clients (OAuth client_credentials).", no_args_is_help=True)

#: A FHIR relative reference to a Practitioner (FHIR id: 1-64 of [A-Za-z0-9-.]).
_PRACTITIONER = re.compile(r"Practitioner/[A-Za-z0-9\-.]{1,64}")

RoleOption = Annotated[Role, typer.Option(help="Role: decides scopes and compartment.")]
DistrictOption = Annotated[str | None, typer.Option(help="District code (default: the hub's).")]


@users_app.command("add")
def users_add(
    username: str,
    role: RoleOption,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    district: DistrictOption = None,
    area: Annotated[str | None, typer.Option(help="Catchment or street.")] = None,
    practitioner: Annotated[
        str | None,
        typer.Option(help="The user's Practitioner/<id>; a social worker must have one."),
    ] = None,
) -> None:
    """Create (or reset) a web user."""
    from hub.security.accounts import add_user

    if practitioner is not None and not _PRACTITIONER.fullmatch(practitioner):
        fail(f"--practitioner {practitioner!r} is not a Practitioner/<id> reference.")
    if role is Role.SOCIAL_WORKER and practitioner is None:
        fail(
            "A social worker sees only the clients of their own cases: name their "
            "Practitioner with --practitioner Practitioner/<id>."
        )
    settings = settings_or_exit()
    store = open_store_or_exit(settings)
    add_user(
        store.engine,
        username,
        password,
        role,
        district=district or settings.district_code,
        area=area,
        practitioner=practitioner,
    )
    out.print(f"user {username} ({role.value}) saved")


@users_app.command("list")
def users_list() -> None:
    """List web users."""
    _list("user")


@users_app.command("revoke")
def users_revoke(username: str) -> None:
    """Revoke a web user (sessions end when they expire)."""
    _revoke("user", username)


@clients_app.command("add")
def clients_add(
    name: str,
    role: RoleOption,
    secret: Annotated[str | None, typer.Option(help="Client secret (or use --jwks).")] = None,
    jwks: Annotated[typer.FileText | None, typer.Option(help="Public JWKS file.")] = None,
    district: DistrictOption = None,
    source: Annotated[str | None, typer.Option(help="Source a connector writes for.")] = None,
) -> None:
    """Register an API client with a secret or a public key (private_key_jwt)."""
    import orjson

    from hub.security.accounts import add_client

    if not secret and jwks is None:
        fail("give --secret or --jwks")
    settings = settings_or_exit()
    store = open_store_or_exit(settings)
    keys = orjson.loads(jwks.read()) if jwks is not None else None
    add_client(
        store.engine,
        name,
        role,
        secret=secret,
        public_jwks=keys,
        district=district or settings.district_code,
        source=source,
    )
    out.print(f"client {name} ({role.value}) saved")


@clients_app.command("list")
def clients_list() -> None:
    """List API clients."""
    _list("client")


@clients_app.command("revoke")
def clients_revoke(name: str) -> None:
    """Revoke a client: the token endpoint refuses it from now on."""
    _revoke("client", name)


@clients_app.command("token")
def clients_token(
    name: str, scope: Annotated[str, typer.Option(help="Scopes to ask for.")] = ""
) -> None:
    """Print a token for a registered client (operators' shortcut; no secret needed)."""
    from hub.security.accounts import find_client
    from hub.security.roles import role_scopes
    from hub.security.scopes import narrow, parse_scopes
    from hub.security.tokens import TokenService

    settings = settings_or_exit()
    store = open_store_or_exit(settings)
    client = find_client(store.engine, name)
    if client is None or client.revoked:
        fail(f"no active client {name!r}")
    scopes = narrow(parse_scopes(scope), role_scopes(client.role))
    tokens = TokenService(settings.auth, settings.secret_key.get_secret_value())
    token = tokens.issue(
        subject=name,
        role=client.role,
        scopes=scopes,
        district=client.district,
        source=client.source,
    )
    typer.echo(token)  # one unwrapped line, for scripts


def _list(kind: str) -> None:
    from hub.security.accounts import list_accounts

    store = open_store_or_exit(settings_or_exit())
    for account in list_accounts(store.engine, kind):
        state = "revoked" if account.revoked else "active"
        where = account.area or account.source or ""
        out.print(
            f"{account.name}\t{account.role.value}\t{account.district or ''}\t{where}\t{state}",
            highlight=False,
        )


def _revoke(kind: str, name: str) -> None:
    from hub.security.accounts import revoke

    store = open_store_or_exit(settings_or_exit())
    if not revoke(store.engine, kind, name):
        fail(f"no {kind} {name!r}")
    out.print(f"{kind} {name} revoked")


def register(app: typer.Typer) -> None:
    """Add ``hub users`` and ``hub clients``; mask identifiers in every command's logs."""
    from hub.security.masking import install_log_masking

    install_log_masking()
    app.add_typer(users_app, name="users")
    app.add_typer(clients_app, name="clients")


def demo_login(store: FhirStore, settings: Settings) -> str:
    """Create the demo's integration-team user with a fresh password; the line to print."""
    import secrets

    from hub.security.accounts import add_user

    password = secrets.token_urlsafe(9)
    add_user(store.engine, "demo", password, Role.INTEGRATION_TEAM, district=settings.district_code)
    return (
        f"login: http://{settings.host}:{settings.port}/web/login  user demo  password {password}"
    )
