"""Database URL normalisation: pick the async driver the store needs for each engine."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# Hosted PostgreSQL providers hand out `postgres://` or `postgresql://` URLs (sometimes with
# another driver); the store always talks asyncpg / aiosqlite.
_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def parse_database_url(value: str) -> URL:
    """Return the URL with its async driver; ValueError names DATABASE_URL when unusable."""
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError(f"DATABASE_URL is not a database URL: {value!r}") from None
    backend = url.drivername.split("+", 1)[0]
    driver = _DRIVERS.get(backend)
    if driver is None:
        raise ValueError(f"DATABASE_URL must be sqlite or postgresql, got {backend!r}")
    url = url.set(drivername=driver)
    if backend == "postgres" or backend == "postgresql":
        # libpq's sslmode is not an asyncpg argument; asyncpg spells it ssl.
        query = dict(url.query)
        if "sslmode" in query:
            query["ssl"] = query.pop("sslmode")
            url = url.set(query=query)
    return url


def normalise_database_url(value: str) -> str:
    return parse_database_url(value).render_as_string(hide_password=False)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"
