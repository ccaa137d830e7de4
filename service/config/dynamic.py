"""Dynamic configuration over `system_configurations`: typed, bounded reads with a short cache."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from service.clock import Clock
from service.config.defaults import KNOWN_KEYS, ORDERED_PAIRS
from service.config.values import ConfigKey, T, as_text
from service.errors import InvalidInput
from service.logs import get_logger
from service.store import NewConfig, Store

log = get_logger("service.config.dynamic")

CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Setting:
    """One key's effective value, for the admin view."""

    spec: ConfigKey[Any]
    text: str
    value: int | float
    overridden: bool


def _default(spec: ConfigKey[Any]) -> Setting:
    return Setting(spec, spec.default, spec.default_value, overridden=False)


class DynamicConfig:
    """Reads `<category>.<key>` values: the stored row when valid and in range, else the default.

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
        # Rows of keys that no longer exist are ignored: only known keys are looked up.
        stored = {f"{row.category}.{row.key}": row.value for row in await self._store.config_rows()}
        settings = {}
        for name, spec in KNOWN_KEYS.items():
            text = stored.get(name)
            settings[name] = _default(spec) if text is None else _stored(spec, text)
        for low, high in ORDERED_PAIRS:
            if settings[low.name].value > settings[high.name].value:
                # Each row was valid alone (written by two instances at once, or by hand).
                log.warning(
                    "config_value_ignored",
                    key=f"{low.name},{high.name}",
                    reason=f"{low.name} is above {high.name}",
                )
                settings[low.name], settings[high.name] = _default(low), _default(high)
        return settings

    async def all(self) -> list[Setting]:
        return list((await self._settings()).values())

    async def get(self, key: ConfigKey[T]) -> T:
        """The key's effective value (a duration in seconds)."""
        if KNOWN_KEYS.get(key.name) is not key:
            raise KeyError(f"{key.name} is not a registered configuration key")
        return cast(T, (await self._settings())[key.name].value)

    async def update(self, values: Mapping[str, object]) -> list[Setting]:
        """Check every value (type, range, order between keys) first, then store all of them in
        one transaction; a InvalidInput names the first bad key and changes nothing."""
        changes: dict[str, Setting] = {}
        for name, raw in values.items():
            spec = KNOWN_KEYS.get(name)
            if spec is None:
                raise InvalidInput(f"{name}: unknown configuration key")
            try:
                text = as_text(raw).strip(" ")
                changes[name] = Setting(spec, text, spec.check(text), overridden=True)
            except ValueError as error:
                raise InvalidInput(f"{name}: {error}") from None
        # The order between keys holds for the values in force after this change (read
        # afresh, not from the cache, which another instance may have outdated).
        after = {**(await self._load()), **changes}
        for low, high in ORDERED_PAIRS:
            # The message names the key this change set; the lower one when it set both.
            blame_high = high.name in changes and low.name not in changes
            _check_order(after[low.name], after[high.name], blame_high=blame_high)
        await self._store.put_configs(
            [
                NewConfig(
                    category=s.spec.category,
                    key=s.spec.key,
                    value=s.text,
                    value_type=s.spec.value_type.value,
                    description=s.spec.description,
                )
                for s in changes.values()
            ]
        )
        for name, setting in changes.items():
            log.info("config_updated", key=name, value=setting.text)
        self._cache = None
        return await self.all()


def _stored(spec: ConfigKey[Any], text: str) -> Setting:
    try:
        return Setting(spec, text, spec.check(text), overridden=True)
    except ValueError as error:
        # A hand-edited row, or one valid under older bounds, must not stop jobs.
        log.warning("config_value_ignored", key=spec.name, reason=str(error))
        return _default(spec)


def _check_order(low: Setting, high: Setting, *, blame_high: bool) -> None:
    if low.value <= high.value:
        return
    if blame_high:
        message = f"must be at least {low.spec.name} ({low.text}), got {high.text}"
        raise InvalidInput(f"{high.spec.name}: {message}")
    message = f"must be at most {high.spec.name} ({high.text}), got {low.text}"
    raise InvalidInput(f"{low.spec.name}: {message}")
