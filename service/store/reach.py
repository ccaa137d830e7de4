"""Turn a failure to open or reach the database into one line naming where it is (no password)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from service.store.urls import is_sqlite

# What opening a database can raise: sockets and files (OSError, including timeouts and DNS),
# SQLAlchemy's wrappers, and asyncpg errors it does not wrap (those raised while connecting).
_FAILURES = (OSError, SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError)


class DatabaseUnavailable(Exception):
    """The database named by DATABASE_URL cannot be opened or reached; one line, no secrets."""


def location(url: URL) -> str:
    """Where the database is: `host:port` for PostgreSQL, the file for SQLite."""
    if is_sqlite(url):
        return url.database or ":memory:"
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = str(cause).strip().splitlines()
    reason = text[0] if text else cause.__class__.__name__
    # SQLAlchemy's adapters prefix the driver's class, e.g. "(sqlite3.OperationalError) ...".
    return reason.split(") ", 1)[1] if reason.startswith("(") and ") " in reason else reason


@contextmanager
def reaching(url: URL) -> Iterator[None]:
    """Raise DatabaseUnavailable for any failure to open, reach or use the database at `url`."""
    try:
        yield
    except _FAILURES as error:
        verb = "open" if is_sqlite(url) else "reach"
        raise DatabaseUnavailable(
            f"cannot {verb} the database at {location(url)} (DATABASE_URL): {_reason(error)}"
        ) from error
