"""DATABASE_URL spellings map to the async drivers the store uses."""

from __future__ import annotations

import pytest

from service.store.urls import normalise_database_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/app", "postgresql+asyncpg://u:p@db:5432/app"),
        ("postgresql://db/app?sslmode=require", "postgresql+asyncpg://db/app?ssl=require"),
        ("postgresql+psycopg2://db/app", "postgresql+asyncpg://db/app"),
        ("sqlite:///data/scout.db", "sqlite+aiosqlite:///data/scout.db"),
    ],
)
def test_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [("mysql://db/app", "must be sqlite or postgresql"), ("not a url", "not a database URL")],
)
def test_unusable_urls_name_the_variable(given: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"DATABASE_URL.*{message}"):
        normalise_database_url(given)
