"""The ScrapeCreators client: typed calls over httpx, failures classified, calls counted."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from service.clock import Clock
from service.jobs.enums import Platform, SearchType
from service.metrics import Metrics
from service.scrapecreators.errors import (
    FatalError,
    RetryableError,
    classify,
    parse_retry_after,
)
from service.scrapecreators.gate import CallGate
from service.scrapecreators.models import (
    InstagramProfile,
    TikTokKeywordSearch,
    TikTokProfile,
    TikTokUserSearch,
    YouTubeChannel,
    YouTubeSearch,
)
from service.scrapecreators.raw_log import RawLog

SEARCH_TIMEOUT = 30.0
PROFILE_TIMEOUT = 10.0

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ScrapeCreatorsClient:
    """One instance per app; `scoped(search_type)` labels raw-response files by job kind.

    Every call goes through `gate`, the process's one cap on calls in flight (shared by the
    scoped copies), which also pauses and slows the whole process down after a 429.
    """

    http: httpx.AsyncClient
    base_url: str
    api_key: str
    metrics: Metrics
    clock: Clock
    gate: CallGate
    search_timeout: float = SEARCH_TIMEOUT
    profile_timeout: float = PROFILE_TIMEOUT
    raw_log: RawLog | None = None
    search_type: SearchType = SearchType.KEYWORD

    def scoped(self, search_type: SearchType) -> ScrapeCreatorsClient:
        return replace(self, search_type=search_type)

    async def tiktok_keyword_search(self, query: str, cursor: int) -> TikTokKeywordSearch:
        params = {"query": query, "cursor": str(cursor)}
        return await self._get(
            "/v1/tiktok/search/keyword", params, TikTokKeywordSearch, Platform.TIKTOK, search=True
        )

    async def tiktok_profile(self, handle: str) -> TikTokProfile:
        return await self._get(
            "/v1/tiktok/profile", {"handle": handle}, TikTokProfile, Platform.TIKTOK
        )

    async def tiktok_user_search(self, query: str) -> TikTokUserSearch:
        params = {"query": query, "cursor": "0"}
        return await self._get(
            "/v1/tiktok/search/users", params, TikTokUserSearch, Platform.TIKTOK, search=True
        )

    async def instagram_profile(self, handle: str) -> InstagramProfile:
        return await self._get(
            "/v1/instagram/profile", {"handle": handle}, InstagramProfile, Platform.INSTAGRAM
        )

    async def youtube_search(self, query: str, continuation_token: str | None) -> YouTubeSearch:
        params = {"query": query}
        if continuation_token:
            params["continuationToken"] = continuation_token
        return await self._get(
            "/v1/youtube/search", params, YouTubeSearch, Platform.YOUTUBE, search=True
        )

    async def youtube_channel(self, handle: str) -> YouTubeChannel:
        return await self._get(
            "/v1/youtube/channel", {"handle": handle}, YouTubeChannel, Platform.YOUTUBE
        )

    async def _get(
        self,
        path: str,
        params: dict[str, str],
        model: type[ModelT],
        platform: Platform,
        *,
        search: bool = False,
    ) -> ModelT:
        timeout = self.search_timeout if search else self.profile_timeout
        calls = self.metrics.scrapecreators_calls
        async with self.gate.slot() as slot:
            try:
                response = await self.http.get(
                    f"{self.base_url}{path}",
                    params=params,
                    headers={"x-api-key": self.api_key, "accept": "application/json"},
                    timeout=timeout,
                )
            except httpx.TimeoutException:
                calls.labels(endpoint=path, status="timeout").inc()
                message = f"ScrapeCreators: {path} timed out after {timeout:g}s"
                raise RetryableError(message) from None
            except httpx.TransportError as error:
                calls.labels(endpoint=path, status="error").inc()
                raise RetryableError(f"ScrapeCreators: {path} unreachable ({error!r})") from None
            retry_after = parse_retry_after(response.headers.get("retry-after"), self.clock.now())
            slot.answered(response.status_code, retry_after)
        calls.labels(endpoint=path, status=str(response.status_code)).inc()
        if self.raw_log is not None:
            self.raw_log.write(
                search_type=self.search_type.value,
                platform=platform.value,
                when=self.clock.now(),
                url=str(response.url),
                status=response.status_code,
                body=response.content,
            )
        if not response.is_success:
            raise classify(
                response.status_code, response.content, endpoint=path, retry_after=retry_after
            )
        return _parse(path, response.content, model)


def _parse(path: str, body: bytes, model: type[ModelT]) -> ModelT:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        # A 200 with a broken body is a glitch of the moment (truncated or proxied page).
        raise RetryableError(f"ScrapeCreators: {path} answered a body that is not JSON") from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        reason = f"{where}: {first['msg']}"
        raise FatalError(f"ScrapeCreators: unexpected {path} response ({reason})") from None
