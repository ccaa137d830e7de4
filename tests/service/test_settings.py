"""Settings: the original environment names, and one clear line for a bad one."""

from __future__ import annotations

import pytest

from service.settings import AuthMode, LogFormat, SettingsError, load_settings
from tests.service.conftest import settings_env


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
    ],
)
def test_a_bad_setting_is_one_line_naming_it(change: dict[str, str | None], message: str) -> None:
    env = {**settings_env(), **change}
    with pytest.raises(SettingsError) as raised:
        load_settings({k: v for k, v in env.items() if v is not None})

    text = str(raised.value)
    assert text.startswith(f"configuration error: {message}")
    assert "\n" not in text
