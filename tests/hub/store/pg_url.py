"""Turn the libpq DSNs the fixtures hand out into SQLAlchemy URLs for the store."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import URL


def sqlalchemy_url(dsn: str) -> str:
    params = conninfo_to_dict(dsn)
    port = params.get("port")
    url = URL.create(
        "postgresql+psycopg",
        username=_text(params.get("user")),
        password=_text(params.get("password")),
        host=_text(params.get("host")),
        port=int(str(port)) if port else None,
        database=_text(params.get("dbname")),
    )
    return url.render_as_string(hide_password=False)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
