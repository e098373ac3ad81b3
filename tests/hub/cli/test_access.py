"""``hub admin bootstrap``, ``hub orgs``, ``hub tokens``, ``hub grants``, ``hub audit`` against a real
API server; the CLI authenticates with HUB_API_TOKEN."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from hub.cli.errors import ExitCode
from hub.cli.main import app
from hub.settings import Settings
from tests.hub.cli.conftest import Hub

TOKEN = re.compile(r"hub_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")


def test_bootstrap_once_then_the_token_opens_the_api(settings: Settings, api_url: str) -> None:
    runner = CliRunner(env={"HUB_DATABASE_URL": settings.store_url()})
    first = runner.invoke(app, ["admin", "bootstrap", "G22", "--name", "Vận hành hub"])
    assert first.exit_code == 0, first.output
    token = TOKEN.search(first.output)
    assert token is not None
    again = runner.invoke(app, ["admin", "bootstrap", "G22", "--name", "again"])
    assert again.exit_code == ExitCode.REFUSED and "already_bootstrapped" in again.output
    whoami = CliRunner(env={"HUB_API_TOKEN": token.group(0)}).invoke(
        app, ["--api-url", api_url, "tokens", "whoami"]
    )
    assert whoami.exit_code == 0 and "000.00.00.G22" in whoami.output and '"admin"' in whoami.output
    anonymous = CliRunner(env={"HUB_API_TOKEN": ""}).invoke(app, ["--api-url", api_url, "orgs", "list"])
    assert anonymous.exit_code == ExitCode.REFUSED and "unauthenticated" in anonymous.output


def test_orgs_tokens_grants_audit(hub: Hub, api_url: str) -> None:
    made = hub(
        "orgs",
        "create",
        "H49",
        "--name",
        "UBND tỉnh Quảng Ninh",
        "--kind",
        "province",
        "--role",
        "subscriber",
    )
    assert made.exit_code == 0, made.output
    assert "000.00.00.H49" in hub("orgs", "list").output
    issued = hub("tokens", "create", "--org", "H49", "--name", "portal", "--ttl-days", "30")
    token = TOKEN.search(issued.output)
    assert issued.exit_code == 0 and token is not None
    assert token.group(0) not in hub("tokens", "list", "--org", "H49").output
    granted = hub(
        "grants", "create", "--org", "H49", "--feed", "vn.gov.civil-status.*", "--unit", "22",
        "--purpose", "Liên thông thủ tục", "--legal-basis", "Nghị định 47/2020/NĐ-CP", "--days", "30",
    )  # fmt: skip
    assert granted.exit_code == 0 and "granted #1" in granted.output
    assert " live " in hub("grants", "list", "--org", "H49").output
    province = CliRunner(env={"HUB_API_TOKEN": token.group(0)})
    assert "000.00.00.H49" in province.invoke(app, ["--api-url", api_url, "tokens", "whoami"]).output
    denied = province.invoke(app, ["--api-url", api_url, "audit", "list"])
    assert denied.exit_code == ExitCode.REFUSED and "role_missing" in denied.output
    assert hub("grants", "revoke", "1").exit_code == 0
    assert hub("tokens", "revoke", token.group(0).split("_")[1]).exit_code == 0
    revoked = province.invoke(app, ["--api-url", api_url, "tokens", "whoami"])
    assert revoked.exit_code == ExitCode.REFUSED and "token_revoked" in revoked.output
    trail = hub("audit", "list", "--kind", "grant").output
    assert "grant.create" in trail and "grant.revoke" in trail
