"""Settings: the original environment names, and one clear line for a bad one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from service.config.settings import (
    AuthMode,
    LogFormat,
    Settings,
    SettingsError,
    load_database_settings,
    load_settings,
)
from tests.service.conftest import settings_env

# Every variable the loader knows, exported with a value that is malformed (or names someone
# else): a loader handed a mapping must not see any of them.
HOSTILE_ENVIRONMENT = {
    "QSTASH_URL": "ftp://hostile",
    "QSTASH_TOKEN": "",
    "QSTASH_CURRENT_SIGNING_KEY": "",
    "QSTASH_NEXT_SIGNING_KEY": "",
    "SCRAPECREATORS_API_KEY": "",
    "SCRAPECREATORS_API_URL": "ftp://hostile",
    "SCRAPECREATORS_SEARCH_TIMEOUT": "-1",
    "SCRAPECREATORS_PROFILE_TIMEOUT": "-1",
    "PUBLIC_BASE_URL": "hostile",
    "NEXT_PUBLIC_SITE_URL": "hostile",
    "DATABASE_URL": "mysql://hostile/db",
    "AUTH_MODE": "hostile",
    "AUTH_JWKS_URL": "ftp://hostile",
    "AUTH_ISSUER": "hostile",
    "AUTH_AUDIENCE": "hostile",
    "ADMIN_USER_IDS": '["hostile"',
    "LOG_FORMAT": "hostile",
    "LOG_LEVEL": "hostile",
    "LOG_RAW_RESPONSES": "hostile",
    "LOG_RAW_DIR": "/hostile",
    "SWEEP_SCHEDULE": "hostile",
    "DATABASE_POOL_SIZE": "hostile",
}


@pytest.fixture(autouse=True)
def hostile_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test here runs with all of them exported: a mapping is the loader's only source."""
    for name, value in HOSTILE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def test_a_mapping_is_read_alone_whatever_the_process_exports() -> None:
    settings = load_settings(settings_env(ADMIN_USER_IDS="admin"))

    assert settings.admin_user_ids == frozenset({"admin"})
    assert settings.qstash_token.get_secret_value() == "test-token"
    assert settings.auth_audience is None
    assert load_database_settings({}).database_url == "sqlite+aiosqlite:///scout.db"


def test_without_a_mapping_the_process_environment_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in HOSTILE_ENVIRONMENT:
        monkeypatch.delenv(name)
    for name, value in settings_env(ADMIN_USER_IDS="alice, bob").items():
        monkeypatch.setenv(name, value)

    assert load_settings().admin_user_ids == frozenset({"alice", "bob"})
    assert load_database_settings().database_url == "sqlite+aiosqlite:///scout.db"


@pytest.mark.parametrize(
    ("value", "admins"),
    [
        ("alice", {"alice"}),
        ("a,b", {"a", "b"}),
        ("alice, bob", {"alice", "bob"}),
        (" a , b ,, ", {"a", "b"}),
        ('["alice"]', {"alice"}),
        ('[ "alice", "bob" ]', {"alice", "bob"}),
        ("", set()),
    ],
)
def test_admin_user_ids_is_a_comma_list_or_a_json_array(value: str, admins: set[str]) -> None:
    assert load_settings(settings_env(ADMIN_USER_IDS=value)).admin_user_ids == admins


def test_the_original_names_configure_the_service() -> None:
    env = settings_env(
        NEXT_PUBLIC_SITE_URL="https://scout.example.com/",
        SCRAPECREATORS_API_URL="https://api.scrapecreators.com/v1/tiktok/search/keyword",
        DATABASE_URL="postgres://u:p@db/app",
        ADMIN_USER_IDS=" a, b ,,",
        LOG_FORMAT="json",
    )
    del env["PUBLIC_BASE_URL"]
    settings = load_settings(env)

    assert settings.public_base_url == "https://scout.example.com"
    assert settings.webhook_url == "https://scout.example.com/api/qstash/process-scraping"
    assert settings.failure_callback_url == "https://scout.example.com/api/qstash/failure"
    assert settings.scrapecreators_api_url == "https://api.scrapecreators.com"
    assert settings.database_url == "postgresql+asyncpg://u:p@db/app"
    assert settings.admin_user_ids == frozenset({"a", "b"})
    assert settings.log_format is LogFormat.JSON


def test_public_base_url_wins_over_the_site_url() -> None:
    settings = load_settings(
        settings_env(PUBLIC_BASE_URL="https://api.example", NEXT_PUBLIC_SITE_URL="https://www")
    )
    assert settings.public_base_url == "https://api.example"


def test_defaults_are_production_safe() -> None:
    env = settings_env(
        AUTH_JWKS_URL="https://clerk.example/.well-known/jwks.json",
        AUTH_ISSUER="https://clerk.example",
    )
    del env["AUTH_MODE"]
    settings = load_settings(env)

    assert settings.auth_mode is AuthMode.JWT
    assert settings.database_url == "sqlite+aiosqlite:///scout.db"
    assert settings.qstash_url == "http://127.0.0.1:9"
    assert "test-token" not in repr(settings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"QSTASH_TOKEN": None}, "QSTASH_TOKEN is required"),
        ({"PUBLIC_BASE_URL": None}, "PUBLIC_BASE_URL (or NEXT_PUBLIC_SITE_URL) is required"),
        ({"PUBLIC_BASE_URL": "scout.example"}, "PUBLIC_BASE_URL must be an http(s) URL"),
        ({"QSTASH_URL": "ftp://q"}, "QSTASH_URL must be an http(s) URL"),
        ({"AUTH_MODE": "none"}, "AUTH_MODE: Input should be 'jwt' or 'dev'"),
        ({"AUTH_MODE": "jwt"}, "AUTH_JWKS_URL is required when AUTH_MODE=jwt"),
        ({"AUTH_MODE": "jwt", "AUTH_JWKS_URL": "https://k"}, "AUTH_ISSUER is required"),
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL must be sqlite or postgresql"),
        ({"LOG_RAW_RESPONSES": "maybe"}, "LOG_RAW_RESPONSES: Input should be a valid boolean"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ({"QSTASH_TOKEN": ""}, "QSTASH_TOKEN is required and must not be empty"),
        ({"QSTASH_TOKEN": "  "}, "QSTASH_TOKEN is required and must not be empty"),
        (
            {"QSTASH_CURRENT_SIGNING_KEY": ""},
            "QSTASH_CURRENT_SIGNING_KEY is required and must not be empty",
        ),
        (
            {"QSTASH_NEXT_SIGNING_KEY": ""},
            "QSTASH_NEXT_SIGNING_KEY is required and must not be empty",
        ),
        (
            {"SCRAPECREATORS_API_KEY": ""},
            "SCRAPECREATORS_API_KEY is required and must not be empty",
        ),
        (
            {"ADMIN_USER_IDS": '["alice", 3]'},
            "ADMIN_USER_IDS must be a comma list or a JSON array of strings",
        ),
        ({"ADMIN_USER_IDS": "[alice"}, "ADMIN_USER_IDS must be a comma list or a JSON array"),
        (
            {"DATABASE_POOL_SIZE": "1"},
            "DATABASE_POOL_SIZE: Input should be greater than or equal to 2",
        ),
        ({"DATABASE_POOL_SIZE": "ten"}, "DATABASE_POOL_SIZE: Input should be a valid integer"),
        ({"DATABASE_POOL_SIZE": "1" + "0" * 30}, "DATABASE_POOL_SIZE: Input should be less than"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(change: dict[str, str | None], message: str) -> None:
    env = {**settings_env(), **change}
    with pytest.raises(SettingsError) as raised:
        load_settings({k: v for k, v in env.items() if v is not None})

    text = str(raised.value)
    assert text.startswith(f"configuration error: {message}")
    assert "\n" not in text


def _accepted_names() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias)
    return names


def test_the_readme_documents_every_variable_the_loader_reads_once() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = [name for row in rows for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])]

    assert sorted(documented) == sorted(_accepted_names())
    assert len(documented) == len(set(documented))
    assert set(HOSTILE_ENVIRONMENT) == _accepted_names()  # the hostile fixture misses none


def test_an_exported_but_empty_optional_setting_is_unset() -> None:
    settings = load_settings(settings_env(AUTH_AUDIENCE="", AUTH_JWKS_URL="", AUTH_ISSUER=" "))
    assert (settings.auth_audience, settings.auth_jwks_url, settings.auth_issuer) == (None,) * 3
