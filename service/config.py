"""Dynamic configuration over `system_configurations`: typed reads with a short cache."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from service.clock import Clock
from service.config_defaults import KNOWN_KEYS
from service.config_values import ConfigKey, ConfigValue, ValueType, as_text, parse_value
from service.errors import BadRequest
from service.logs import get_logger
from service.store import Store

log = get_logger("service.config")

CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Setting:
    """One key's effective value, for the admin view."""

    spec: ConfigKey
    text: str
    value: ConfigValue
    overridden: bool


class DynamicConfig:
    """Reads `<category>.<key>` values: the stored row when valid, else the default.

    Rows are cached for 30 s on the injected clock; a write through `update` refreshes at once.
    """

    def __init__(self, store: Store, clock: Clock, *, ttl_seconds: float = CACHE_SECONDS) -> None:
        self._store = store
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._cache: dict[str, Setting] | None = None
        self._loaded_at: datetime | None = None

    async def _settings(self) -> dict[str, Setting]:
        now = self._clock.now()
        if self._cache is None or self._loaded_at is None or now - self._loaded_at >= self._ttl:
            self._cache = await self._load()
            self._loaded_at = now
        return self._cache

    async def _load(self) -> dict[str, Setting]:
        stored = {f"{row.category}.{row.key}": row.value for row in await self._store.config_rows()}
        settings = {}
        for name, spec in KNOWN_KEYS.items():
            text = stored.get(name)
            value = None
            if text is not None:
                try:
                    value = parse_value(spec.value_type, text)
                except ValueError as error:
                    # A hand-edited bad row must not stop jobs: fall back to the default.
                    log.warning("config_value_ignored", key=name, reason=str(error))
            if value is None:
                settings[name] = Setting(spec, spec.default, _default(spec), overridden=False)
            else:
                settings[name] = Setting(spec, text or "", value, overridden=True)
        return settings

    async def all(self) -> list[Setting]:
        return list((await self._settings()).values())

    async def _get(self, name: str, value_type: ValueType) -> ConfigValue:
        spec = KNOWN_KEYS[name]  # an unknown name is a programming error: KeyError
        if spec.value_type is not value_type:
            raise TypeError(f"{name} is a {spec.value_type}, not a {value_type}")
        return (await self._settings())[name].value

    async def number(self, name: str) -> int:
        return int(await self._get(name, ValueType.NUMBER))

    async def seconds(self, name: str) -> float:
        """A duration key, in seconds."""
        return float(await self._get(name, ValueType.DURATION))

    async def flag(self, name: str) -> bool:
        return bool(await self._get(name, ValueType.BOOLEAN))

    async def text(self, name: str) -> str:
        return str(await self._get(name, ValueType.STRING))

    async def update(self, values: Mapping[str, object]) -> list[Setting]:
        """Validate every value first (400 naming the key), then store them all."""
        checked: list[tuple[ConfigKey, str]] = []
        for name, raw in values.items():
            spec = KNOWN_KEYS.get(name)
            if spec is None:
                raise BadRequest(f"{name}: unknown configuration key")
            try:
                text = as_text(raw)
                parse_value(spec.value_type, text)
            except ValueError as error:
                raise BadRequest(f"{name}: {error}") from None
            checked.append((spec, text))
        for spec, text in checked:
            await self._store.put_config(
                spec.category,
                spec.key,
                value=text,
                value_type=spec.value_type.value,
                description=spec.description,
            )
            log.info("config_updated", key=spec.name, value=text)
        self._cache = None
        return await self.all()


def _default(spec: ConfigKey) -> ConfigValue:
    return parse_value(spec.value_type, spec.default)
