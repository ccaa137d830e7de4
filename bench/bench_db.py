"""The benchmarks' databases: a SQLite file, or PostgreSQL when a server answers
(SCOUT_BENCH_POSTGRES_URL, else the local default); a throwaway database on it comes from
service.testing.postgres_database."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import asyncpg
from bench_procs import cpu_seconds
from sqlalchemy.engine import make_url

POSTGRES_URL_VAR = "SCOUT_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql://root@127.0.0.1:5432/test"
CONNECT_TIMEOUT = 3.0


def postgres_url_from(option: str | None) -> str | None:
    """The server to use: the option, else the variable, else the local default ('' = none)."""
    if option is not None:
        return option or None
    return os.environ.get(POSTGRES_URL_VAR, DEFAULT_POSTGRES_URL) or None


def plain_url(url: str) -> str:
    """The URL as asyncpg takes it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_reachable(url: str) -> bool:
    try:
        conn = await asyncpg.connect(plain_url(url), timeout=CONNECT_TIMEOUT)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def reachable_engines(postgres: str | None) -> list[str]:
    """SQLite always; PostgreSQL too when the server at `postgres` answers (else says so)."""
    if postgres is None:
        return ["SQLite"]
    if await postgres_reachable(postgres):
        return ["SQLite", "PostgreSQL"]
    print(f"   (PostgreSQL at {postgres} does not answer: SQLite only)")
    return ["SQLite"]


async def backend_pids(server_url: str, database_url: str) -> list[int]:
    """Server processes serving `database_url`'s database now (for their CPU time)."""
    name = make_url(database_url).database
    conn = await asyncpg.connect(plain_url(server_url), timeout=CONNECT_TIMEOUT)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await conn.close()
    return [int(row["pid"]) for row in rows]


def sqlite_url(folder: Path, name: str = "bench.db") -> str:
    return f"sqlite:///{folder / name}"


async def backends_cpu(server_url: str | None, database_url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving `database_url`'s database now
    (local servers only; none without a server)."""
    if server_url is None:
        return {}
    seconds = {}
    for pid in await backend_pids(server_url, database_url):
        with contextlib.suppress(OSError):  # a backend that ended meanwhile
            seconds[pid] = cpu_seconds(pid)
    return seconds
