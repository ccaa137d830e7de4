"""The service's settings, read once from the environment names the original app used."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from service.store.engine import POSTGRES_POOL_SIZE
from service.store.urls import normalise_database_url

DEFAULT_DATABASE_URL = "sqlite:///scout.db"


class AuthMode(StrEnum):
    JWT = "jwt"
    DEV = "dev"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line naming the variable."""


def _http_url(value: str, name: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"{name} must be an http(s) URL, got {value!r}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


_URL_VARS = {
    "qstash_url": "QSTASH_URL",
    "public_base_url": "PUBLIC_BASE_URL",
    "auth_jwks_url": "AUTH_JWKS_URL",
}


def _base_url(value: str, name: str) -> str:
    """Keep only scheme and host: the original app configured full endpoint URLs."""
    parts = urlsplit(_http_url(value, name))
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _admin_ids(value: str) -> frozenset[str]:
    """A comma list (`alice, bob`) or a JSON array of strings (`["alice", "bob"]`)."""
    if value.lstrip().startswith("["):
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            items = None
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ValueError(
                f"ADMIN_USER_IDS must be a comma list or a JSON array of strings, got {value!r}"
            )
    else:
        items = value.split(",")
    return frozenset(item.strip() for item in items if item.strip())


class DatabaseSettings(BaseSettings):
    """Just the database, for `scout db`: migrating needs no QStash or auth settings."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", frozen=True)

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The loader hands in the one environment to read (the process's, or a caller's
        # mapping); reading os.environ here as well would let the process override a mapping
        # given on purpose, and JSON-decode values such as ADMIN_USER_IDS behind our back.
        return (init_settings,)

    @field_validator("database_url", mode="after")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalise_database_url(value)


class Settings(DatabaseSettings):
    """Everything the service reads from its environment; built once and passed down."""

    model_config = SettingsConfigDict(
        case_sensitive=True, extra="ignore", populate_by_name=True, frozen=True
    )

    qstash_url: str = Field("https://qstash.upstash.io", validation_alias="QSTASH_URL")
    qstash_token: SecretStr = Field(validation_alias="QSTASH_TOKEN")
    qstash_current_signing_key: SecretStr = Field(validation_alias="QSTASH_CURRENT_SIGNING_KEY")
    qstash_next_signing_key: SecretStr = Field(validation_alias="QSTASH_NEXT_SIGNING_KEY")
    scrapecreators_api_key: SecretStr = Field(validation_alias="SCRAPECREATORS_API_KEY")
    scrapecreators_api_url: str = Field(
        "https://api.scrapecreators.com", validation_alias="SCRAPECREATORS_API_URL"
    )
    # QStash calls this base back; PUBLIC_BASE_URL wins over the original NEXT_PUBLIC_SITE_URL.
    public_base_url: str = Field(
        validation_alias=AliasChoices("PUBLIC_BASE_URL", "NEXT_PUBLIC_SITE_URL")
    )
    auth_mode: AuthMode = Field(AuthMode.JWT, validation_alias="AUTH_MODE")
    auth_jwks_url: str | None = Field(None, validation_alias="AUTH_JWKS_URL")
    auth_issuer: str | None = Field(None, validation_alias="AUTH_ISSUER")
    auth_audience: str | None = Field(None, validation_alias="AUTH_AUDIENCE")
    admin_user_ids: frozenset[str] = Field(frozenset(), validation_alias="ADMIN_USER_IDS")
    log_format: LogFormat = Field(LogFormat.TEXT, validation_alias="LOG_FORMAT")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    log_raw_responses: bool = Field(False, validation_alias="LOG_RAW_RESPONSES")
    log_raw_dir: str = Field("logs/api-raw", validation_alias="LOG_RAW_DIR")
    # Per-call ScrapeCreators timeouts in seconds (searches are slow, profile look-ups quick).
    scrapecreators_search_timeout: float = Field(
        30.0, gt=0, validation_alias="SCRAPECREATORS_SEARCH_TIMEOUT"
    )
    scrapecreators_profile_timeout: float = Field(
        10.0, gt=0, validation_alias="SCRAPECREATORS_PROFILE_TIMEOUT"
    )
    # Register the every-minute QStash schedule that drives POST /api/qstash/sweep at start.
    sweep_schedule: bool = Field(True, validation_alias="SWEEP_SCHEDULE")
    # PostgreSQL connections per instance. At least 2: the job-change feed holds one for good.
    database_pool_size: int = Field(
        POSTGRES_POOL_SIZE, ge=2, le=1000, validation_alias="DATABASE_POOL_SIZE"
    )

    @field_validator("qstash_url", "public_base_url", "auth_jwks_url", mode="after")
    @classmethod
    def _urls(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or (not value and info.field_name == "auth_jwks_url"):
            return None  # an empty optional URL is unset
        return _http_url(value, _URL_VARS[str(info.field_name)])

    @field_validator(
        "qstash_token",
        "qstash_current_signing_key",
        "qstash_next_signing_key",
        "scrapecreators_api_key",
        mode="after",
    )
    @classmethod
    def _secret_set(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        # An empty token would only fail later, as an illegal `Bearer ` header.
        if not value.get_secret_value().strip():
            raise ValueError(f"{_env_name(str(info.field_name))} is required and must not be empty")
        return value

    @field_validator("auth_issuer", "auth_audience", mode="after")
    @classmethod
    def _optional(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # exported but empty is unset, as for AUTH_JWKS_URL
        return value.strip()

    @field_validator("scrapecreators_api_url", mode="after")
    @classmethod
    def _scrapecreators_url(cls, value: str) -> str:
        return _base_url(value, "SCRAPECREATORS_API_URL")

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _admins(cls, value: Any) -> Any:
        return _admin_ids(value) if isinstance(value, str) else value

    @field_validator("log_level", mode="after")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(
                f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {value!r}"
            )
        return level

    @model_validator(mode="after")
    def _jwt_needs_jwks(self) -> Settings:
        if self.auth_mode is AuthMode.JWT:
            if not self.auth_jwks_url:
                raise ValueError("AUTH_JWKS_URL is required when AUTH_MODE=jwt")
            if not self.auth_issuer:
                raise ValueError("AUTH_ISSUER is required when AUTH_MODE=jwt")
        return self

    @property
    def webhook_url(self) -> str:
        return f"{self.public_base_url}/api/qstash/process-scraping"

    @property
    def failure_callback_url(self) -> str:
        return f"{self.public_base_url}/api/qstash/failure"

    @property
    def sweep_url(self) -> str:
        return f"{self.public_base_url}/api/qstash/sweep"


SettingsT = TypeVar("SettingsT", bound=DatabaseSettings)


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        return " or ".join(str(choice) for choice in alias.choices)
    return field.upper()


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = [str(part) for part in first["loc"]]
    message = str(first["msg"]).removeprefix("Value error, ")
    if not loc:  # model-level checks already name their variable
        return message
    name = loc[0] if loc[0].isupper() else _env_name(loc[0])
    if first["type"] == "missing":
        if name == "PUBLIC_BASE_URL":
            return "PUBLIC_BASE_URL (or NEXT_PUBLIC_SITE_URL) is required"
        return f"{name} is required"
    return message if name.split(" or ")[0] in message else f"{name}: {message}"


def _load(model: type[SettingsT], environ: Mapping[str, str] | None) -> SettingsT:
    source = dict(os.environ if environ is None else environ)
    try:
        return model.model_validate(source)
    except ValidationError as error:
        raise SettingsError(f"configuration error: {_one_line(error)}") from None


def load_database_settings(environ: Mapping[str, str] | None = None) -> DatabaseSettings:
    return _load(DatabaseSettings, environ)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from `environ` (default: the process environment).

    Raises SettingsError with one line naming the offending variable.
    """
    return _load(Settings, environ)
