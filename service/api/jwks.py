"""Fetch and cache a JSON Web Key Set over httpx (async, so the event loop never blocks)."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError

from service.clock import Clock
from service.logs import get_logger

log = get_logger("service.api.jwks")

CACHE_SECONDS = 300.0
REFRESH_FLOOR_SECONDS = 30.0  # an unknown kid refetches at most this often
FETCH_TIMEOUT_SECONDS = 5.0


class JwksUnavailable(Exception):
    """The key set could not be fetched or parsed."""


class JwksCache:
    def __init__(self, http: httpx.AsyncClient, url: str, clock: Clock) -> None:
        self._http = http
        self._url = url
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: datetime | None = None

    def _age(self) -> timedelta | None:
        return None if self._fetched_at is None else self._clock.now() - self._fetched_at

    async def _refresh(self) -> None:
        try:
            response = await self._http.get(self._url, timeout=FETCH_TIMEOUT_SECONDS)
            response.raise_for_status()
            key_set = PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, PyJWKError, PyJWKSetError) as error:
            log.warning("jwks_fetch_failed", url=self._url, reason=str(error))
            raise JwksUnavailable(str(error)) from error
        self._keys = {key.key_id: key for key in key_set.keys if key.key_id}
        self._fetched_at = self._clock.now()

    async def key(self, kid: str) -> PyJWK | None:
        """The signing key with id `kid`, refetching when stale or when the kid is new
        (keys rotate), but never more than once per refresh floor."""
        age = self._age()
        stale = age is None or age >= timedelta(seconds=CACHE_SECONDS)
        rotated = kid not in self._keys and (
            age is None or age >= timedelta(seconds=REFRESH_FLOOR_SECONDS)
        )
        if stale or rotated:
            await self._refresh()
        return self._keys.get(kid)
