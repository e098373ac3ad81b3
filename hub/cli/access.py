"""``hub admin``, ``hub orgs``, ``hub tokens``, ``hub grants``, ``hub audit``: access control.

``hub admin bootstrap`` is the way into a fresh install: it works on the store directly (there
is no token yet), creates the operating organisation with the admin role and prints its first
token once; afterwards it refuses. Every other command goes through the API with the token of
``HUB_API_TOKEN``, except ``hub audit export``, which copies the audit log to Kafka from the
store (run it as its own process with ``--follow``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hub.cli.context import api_client
from hub.cli.output import Output, OutputFormat, ShowOutput, render_list, render_one
from hub.settings import get_settings

admin_app = typer.Typer(help="Installation: the first admin organisation and token.", no_args_is_help=True)
orgs_app = typer.Typer(
    help="Organisations (by agency identifier code) and their roles.", no_args_is_help=True
)
tokens_app = typer.Typer(help="API tokens: create, list, revoke, rotate.", no_args_is_help=True)
grants_app = typer.Typer(
    help="Grants: feed x administrative unit x purpose, until a date.", no_args_is_help=True
)
audit_app = typer.Typer(help="The audit trail of every change.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)

Code = Annotated[str, typer.Argument(help="Agency identifier code, e.g. 000.00.00.G01 (or G01).")]
OrgOption = Annotated[str | None, typer.Option("--org", help="Only this organisation's.")]
Roles = Annotated[
    list[str] | None, typer.Option("--role", help="admin, publisher, subscriber, operator, replay")
]


def _print_secret(secret: str) -> None:
    out.print(f"  token (shown once, store it now; send it as HUB_API_TOKEN): {secret}")


def _query(**params: Any) -> str:
    present = {k: v for k, v in params.items() if v is not None}
    return ("?" + "&".join(f"{k}={v}" for k, v in present.items())) if present else ""


# ---- hub admin --------------------------------------------------------------------------


@admin_app.command("bootstrap")
def bootstrap(
    code: Code,
    name: Annotated[str, typer.Option(help="The organisation's name.")],
    kind: Annotated[str, typer.Option(help="ministry, province, portal, operator or other.")] = "operator",
    ttl_days: Annotated[int, typer.Option(help="Lifetime of the first token.")] = 90,
) -> None:
    """Create the first admin organisation and token in the store (a fresh install only)."""
    from hub.access.principals import OrganisationSpec
    from hub.services.access import AccessService
    from hub.store import migrate
    from hub.store.base import Store

    spec = OrganisationSpec.model_validate({"code": code, "name": name, "kind": kind, "roles": ["admin"]})
    url = get_settings().store_url()
    migrate.upgrade(url)
    store = Store(url)
    try:
        issued = AccessService(store).bootstrap(spec, ttl_days=ttl_days)
    finally:
        store.engine.dispose()
    out.print(f"bootstrapped {escape(spec.code)} ({escape(spec.name)}) with the admin role")
    _print_secret(issued.secret)


# ---- hub orgs ---------------------------------------------------------------------------


@orgs_app.command("create")
def create_org(
    ctx: typer.Context,
    code: Code,
    name: Annotated[str, typer.Option(help="The organisation's name.")],
    kind: Annotated[str, typer.Option(help="ministry, province, portal, operator or other.")],
    role: Roles = None,
    domain: Annotated[list[str] | None, typer.Option(help="A domain it publishes (publishers).")] = None,
) -> None:
    """Register an organisation with its roles (and, for a publisher, its domains)."""
    body = {"code": code, "name": name, "kind": kind, "roles": role or [], "domains": domain or []}
    created = api_client(ctx).request("POST", "/v1/orgs", body).json()
    out.print(f"created {escape(created['code'])} ({escape(created['name'])}): {', '.join(created['roles'])}")


@orgs_app.command("list")
def list_orgs(ctx: typer.Context, output: Output = OutputFormat.table) -> None:
    """Organisations you may see (admins: all)."""
    render_list(api_client(ctx).get("/v1/orgs"), output, _orgs_table)


def _orgs_table(orgs: list[dict[str, Any]]) -> Table:
    table = Table("code", "name", "kind", "roles", "domains")
    for org in orgs:
        table.add_row(
            org["code"], org["name"], org["kind"], ", ".join(org["roles"]), ", ".join(org["domains"])
        )
    return table


@orgs_app.command("show")
def show_org(ctx: typer.Context, code: Code, output: ShowOutput = OutputFormat.json) -> None:
    """One organisation; JSON unless --output says otherwise."""
    render_one(api_client(ctx).get(f"/v1/orgs/{code}"), output)


# ---- hub tokens -------------------------------------------------------------------------


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    org: Annotated[str, typer.Option(help="The organisation the token speaks for.")],
    name: Annotated[str, typer.Option(help="What the token is for.")],
    ttl_days: Annotated[int, typer.Option(help="Lifetime in days (at most 366).")] = 90,
    role: Roles = None,
) -> None:
    """Issue a token; its secret is printed once."""
    body = {"org": org, "name": name, "ttl_days": ttl_days, "roles": role}
    issued = api_client(ctx).request("POST", "/v1/tokens", body).json()
    token = issued["token"]
    out.print(f"created token {token['id']} for {escape(token['org'])}, expires {token['expires_at']}")
    _print_secret(issued["secret"])


@tokens_app.command("list")
def list_tokens(ctx: typer.Context, org: OrgOption = None, output: Output = OutputFormat.table) -> None:
    """Tokens you may see (never their secrets)."""
    render_list(api_client(ctx).get(f"/v1/tokens{_query(org=org)}"), output, _tokens_table)


def _tokens_table(tokens: list[dict[str, Any]]) -> Table:
    table = Table("id", "org", "name", "state", "expires", "last used")
    for token in tokens:
        table.add_row(
            token["id"], token["org"], token["name"], token["state"], token["expires_at"],
            token["last_used_at"] or "-",
        )  # fmt: skip
    return table


@tokens_app.command("revoke")
def revoke_token(ctx: typer.Context, token_id: str) -> None:
    """Revoke a token at once."""
    revoked = api_client(ctx).request("POST", f"/v1/tokens/{token_id}/revoke", {}).json()
    out.print(f"revoked {revoked['id']} at {revoked['revoked_at']}")


@tokens_app.command("rotate")
def rotate_token(
    ctx: typer.Context,
    token_id: str,
    overlap_s: Annotated[float, typer.Option(help="How long the old token keeps working.")] = 0,
) -> None:
    """Replace a token by a new one (same organisation, name, roles, lifetime)."""
    issued = api_client(ctx).request("POST", f"/v1/tokens/{token_id}/rotate", {"overlap_s": overlap_s}).json()
    out.print(f"rotated {token_id} -> {issued['token']['id']}")
    _print_secret(issued["secret"])


@tokens_app.command("whoami")
def whoami(ctx: typer.Context, output: ShowOutput = OutputFormat.json) -> None:
    """The organisation, roles and domains of HUB_API_TOKEN."""
    render_one(api_client(ctx).get("/v1/tokens/current"), output)


# ---- hub grants -------------------------------------------------------------------------


@grants_app.command("create")
def create_grant(
    ctx: typer.Context,
    org: Annotated[str, typer.Option(help="The subscribing organisation.")],
    feed: Annotated[str, typer.Option(help="Event type, topic or pattern (vn.gov.land.*).")],
    unit: Annotated[str, typer.Option("--unit", help="Administrative unit code, or * for all.")],
    purpose: Annotated[str, typer.Option(help="Why the data is processed.")],
    legal_basis: Annotated[str, typer.Option(help="The legal instrument that allows it.")],
    days: Annotated[int, typer.Option(help="Valid for this many days.")] = 365,
) -> None:
    """Grant an organisation a feed for an administrative unit, with purpose and legal basis."""
    expires = (datetime.now(UTC) + timedelta(days=days)).isoformat()
    body = {"org": org, "feed": feed, "admin_unit": unit, "purpose": purpose, "legal_basis": legal_basis,
            "expires_at": expires}  # fmt: skip
    grant = api_client(ctx).request("POST", "/v1/grants", body).json()
    out.print(
        f"granted #{grant['id']}: {escape(grant['org'])} {escape(grant['feed'])} in {grant['admin_unit']}"
    )


@grants_app.command("list")
def list_grants(ctx: typer.Context, org: OrgOption = None, output: Output = OutputFormat.table) -> None:
    """Grants you may see, with their state and expiry."""
    render_list(api_client(ctx).get(f"/v1/grants{_query(org=org)}"), output, _grants_table)


def _grants_table(grants: list[dict[str, Any]]) -> Table:
    table = Table("id", "org", "feed", "unit", "state", "expires", "purpose")
    for g in grants:
        table.add_row(
            str(g["id"]), g["org"], g["feed"], g["admin_unit"], g["state"], g["expires_at"], g["purpose"]
        )
    return table


@grants_app.command("revoke")
def revoke_grant(ctx: typer.Context, grant_id: int) -> None:
    """Revoke a grant: deliveries it covered stop (and wait) until another grant covers them."""
    revoked = api_client(ctx).request("POST", f"/v1/grants/{grant_id}/revoke", {}).json()
    out.print(f"revoked grant #{revoked['id']}")


# ---- hub audit --------------------------------------------------------------------------


@audit_app.command("list")
def list_audit(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option(help="organisation, token, grant, subscription...")] = None,
    resource: Annotated[str | None, typer.Option(help="A resource id.")] = None,
    limit: int = 50,
    output: Output = OutputFormat.table,
) -> None:
    """Changes, newest first (admins)."""
    query = _query(actor=actor, resource_kind=kind, resource_id=resource, limit=limit)
    render_list(api_client(ctx).get(f"/v1/audit{query}")["items"], output, _audit_table)


def _audit_table(entries: list[dict[str, Any]]) -> Table:
    table = Table("id", "time", "actor", "action", "resource")
    for entry in entries:
        table.add_row(str(entry["id"]), entry["at"], entry["actor"], entry["action"], entry["resource_id"])
    return table


@audit_app.command("export")
def export_audit(
    follow: Annotated[bool, typer.Option(help="Keep exporting new entries until SIGINT/SIGTERM.")] = False,
) -> None:
    """Copy the audit log to the hub.audit Kafka topic (from the store, at least once)."""
    from hub.processes.signals import until_signalled
    from hub.services.audit import AuditExporter
    from hub.store.base import Store

    settings = get_settings()
    store = Store(settings.store_url())
    exporter = AuditExporter(store, settings.kafka_address())
    try:
        if follow:
            asyncio.run(until_signalled(exporter.run))
        else:
            out.print(f"exported {asyncio.run(exporter.export_once())} entries")
    finally:
        store.engine.dispose()
