"""Fixtures for the ScrapeCreators mock tests: an HTTP client and a cassette writer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import BaseModel
from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from service.scrapecreators import (
    CreditBalance,
    InstagramProfile,
    TikTokKeywordSearch,
    TikTokProfile,
    TikTokUserSearch,
    YouTubeChannel,
    YouTubeChannelVideos,
    YouTubeSearch,
)

KEY = "dev-key"
# The service's model of each endpoint's success body.
MODELS: dict[str, type[BaseModel]] = {
    "/v1/tiktok/search/keyword": TikTokKeywordSearch,
    "/v1/tiktok/profile": TikTokProfile,
    "/v1/tiktok/search/users": TikTokUserSearch,
    "/v1/instagram/profile": InstagramProfile,
    "/v1/youtube/search": YouTubeSearch,
    "/v1/youtube/channel": YouTubeChannel,
    "/v1/youtube/channel-videos": YouTubeChannelVideos,
    "/v1/credit-balance": CreditBalance,
}

Interaction = tuple[str, int, Any]  # (path?query, status, JSON body or raw text)
WriteCassette = Callable[[str, list[Interaction]], Path]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that sends the default API key."""
    async with aiohttp.ClientSession(headers={"x-api-key": KEY}) as session:
        yield session


@pytest.fixture
def write_cassette(tmp_path: Path) -> WriteCassette:
    """Write a cassette with vcrpy's own serializer, the format the recorder produces."""

    def write(name: str, interactions: list[Interaction]) -> Path:
        requests, responses = [], []
        for target, status, body in interactions:
            uri = f"https://api.scrapecreators.com{target}"
            requests.append(Request("GET", uri, None, {"accept": "application/json"}))
            text = body if isinstance(body, str) else json.dumps(body)
            ctype = "text/plain" if isinstance(body, str) else "application/json; charset=utf-8"
            responses.append(
                {
                    "status": {"code": status, "message": "x"},
                    "headers": {"Content-Type": [ctype], "Content-Length": [str(len(text))]},
                    "body": {"string": text},
                }
            )
        path = tmp_path / f"{name}.yaml"
        data = serialize({"requests": requests, "responses": responses}, yamlserializer)
        path.write_text(data)
        return path

    return write
