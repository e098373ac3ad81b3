"""Credentials for tests of every area: an admin token bootstrapped once per store.

Other areas' API tests authenticate as the admin (``bearer(admin_token(store))``), so they
exercise the real authentication path; what each role may and may not do is tested in
``tests/hub/api/test_authz_matrix.py``.
"""

from __future__ import annotations

from hub.access.principals import OrganisationSpec
from hub.services.access import AccessService
from hub.store.base import Store

ADMIN_ORG = OrganisationSpec(
    code="000.00.00.G22", name="Hub operations (tests)", kind="operator", roles=["admin", "operator"]
)
_tokens: dict[str, str] = {}


def admin_token(store: Store) -> str:
    """The store's admin token: bootstrapped on first use (the store must be migrated)."""
    key = store.engine.url.render_as_string(hide_password=False)
    if key not in _tokens:
        _tokens[key] = AccessService(store).bootstrap(ADMIN_ORG).secret
    return _tokens[key]


def admin_token_for_url(url: str) -> str:
    store = Store(url)
    try:
        return admin_token(store)
    finally:
        store.engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
