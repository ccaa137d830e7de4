"""Synthetic mode: same input, same bytes; every real shape and quirk shows up somewhere."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from emulator.scrapecreators import synthetic
from emulator.scrapecreators.testing import running_mock
from service.scrapecreators import (
    InstagramProfile,
    TikTokKeywordSearch,
    TikTokProfile,
    TikTokUserSearch,
    YouTubeChannel,
    YouTubeChannelVideos,
    YouTubeSearch,
)
from tests.emulator.scrapecreators.conftest import MODELS

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
REQUESTS = [
    ("/v1/tiktok/search/keyword", {"query": "home baking", "cursor": "30"}),
    ("/v1/tiktok/profile", {"handle": "nora_home_crumb3"}),
    ("/v1/tiktok/search/users", {"query": "sourdough", "cursor": "0"}),
    ("/v1/instagram/profile", {"handle": "claybyjune"}),
    ("/v1/youtube/search", {"query": "trail running"}),
    ("/v1/youtube/channel", {"handle": "@BakeLab"}),
    ("/v1/youtube/channel-videos", {"channelId": "UC123"}),
    ("/v1/credit-balance", {}),
]


async def fetch_all(url: str) -> list[bytes]:
    bodies = []
    async with aiohttp.ClientSession(headers={"x-api-key": "dev-key"}) as http:
        for path, params in REQUESTS:
            async with http.get(url + path, params=params) as response:
                assert response.status == 200, await response.text()
                bodies.append(await response.read())
    return bodies


async def test_same_input_same_bytes_across_runs() -> None:
    async with running_mock(mode="synthetic") as first:
        once, twice = await fetch_all(first.url), await fetch_all(first.url)
    async with running_mock(mode="synthetic") as second:
        elsewhere = await fetch_all(second.url)
    assert once == twice == elsewhere
    assert len(set(once)) == len(once)


async def test_every_endpoint_fits_the_models() -> None:
    async with running_mock(mode="synthetic") as mock:
        bodies = await fetch_all(mock.url)
    assert {path for path, _ in REQUESTS} == set(MODELS) == set(synthetic.ENDPOINTS)
    for (path, _), body in zip(REQUESTS, bodies, strict=True):
        MODELS[path].model_validate_json(body)


def keyword_walk(query: str) -> list[dict[str, Any]]:
    pages, cursor = [], 0
    while True:
        body = synthetic.answer(
            "/v1/tiktok/search/keyword", {"query": query, "cursor": str(cursor)}
        )
        pages.append(body)
        if not body["has_more"]:
            return pages
        assert body["cursor"] == cursor + 30
        cursor = body["cursor"]


QUERIES = ["home baking", "latte art", "pottery wheel", "trail running", "knitting", "vegan"]


@pytest.mark.parametrize("query", QUERIES)
def test_keyword_search_pages_end_without_a_list(query: str) -> None:
    pages = keyword_walk(query)
    assert 3 <= len(pages) <= 5
    assert "search_item_list" not in pages[-1]
    assert all(TikTokKeywordSearch.model_validate(p).items() for p in pages[:-1])
    assert TikTokKeywordSearch.model_validate(pages[-1]).items() == []


def test_keyword_search_repeats_creators_and_has_both_item_shapes() -> None:
    repeated, shapes = 0, set()
    for query in [*QUERIES, *(f"topic {n}" for n in range(14))]:
        handles = []
        for page in keyword_walk(query):
            parsed = TikTokKeywordSearch.model_validate(page)
            handles += [item.author.unique_id for item in parsed.items()]
            shapes |= {"aweme_info" in item for item in page.get("search_item_list", [])}
        repeated += len(handles) - len(set(handles))
    assert repeated > 0
    assert shapes == {True, False}


def test_profiles_cover_private_deactivated_and_emails() -> None:
    handles = {i.author.unique_id for q in QUERIES for p in keyword_walk(q)
               for i in TikTokKeywordSearch.model_validate(p).items()}  # fmt: skip
    profiles = [TikTokProfile.model_validate(synthetic.tiktok.profile(h)) for h in sorted(handles)]
    email_counts = {len(EMAIL.findall(p.bio)) for p in profiles if p.user is not None}
    assert any(p.is_private for p in profiles)
    assert any(p.is_deactivated for p in profiles)
    assert email_counts == {0, 1, 2}


def test_profile_agrees_with_the_search_author() -> None:
    [page] = keyword_walk("vegan")[:1]
    for item in TikTokKeywordSearch.model_validate(page).items():
        profile = TikTokProfile.model_validate(synthetic.tiktok.profile(item.author.unique_id))
        if profile.user is not None:
            assert profile.user.id == item.author.uid
            assert profile.stats.followerCount == item.author.follower_count


def test_user_search_comes_in_both_forms() -> None:
    forms = set()
    for query in QUERIES:
        body = synthetic.answer("/v1/tiktok/search/users", {"query": query})
        forms.add("users" if "users" in body else "user_list")
        assert TikTokUserSearch.model_validate(body).users()
    assert forms == {"users", "user_list"}


def test_instagram_some_with_related_some_without() -> None:
    profiles = [
        InstagramProfile.model_validate(synthetic.answer("/v1/instagram/profile", {"handle": h}))
        for h in [f"maker_{i}" for i in range(30)]
    ]
    assert all(p.user is not None for p in profiles)
    assert any(p.related() for p in profiles)
    assert any(not p.related() for p in profiles)


@pytest.mark.parametrize("query", QUERIES)
def test_youtube_search_tokens_lead_to_the_end(query: str) -> None:
    token, pages = "", []
    while True:
        params = {"query": query, **({"continuationToken": token} if token else {})}
        page = YouTubeSearch.model_validate(synthetic.answer("/v1/youtube/search", params))
        pages.append(page)
        token = page.continuationToken
        if not token:
            break
    assert 2 <= len(pages) <= 4
    assert all(page.videos and page.shorts for page in pages)


def test_youtube_channels_have_emails_links_and_some_missing_handles() -> None:
    items = [
        item
        for q in QUERIES
        for item in YouTubeSearch.model_validate(
            synthetic.answer("/v1/youtube/search", {"query": q})
        ).all_items()
    ]
    assert any(item.channel is not None and not item.channel.handle for item in items)
    channels = [
        YouTubeChannel.model_validate(synthetic.youtube.channel(item.channel.handle))
        for item in items
        if item.channel is not None and item.channel.handle
    ]
    assert all(c.channelId.startswith("UC") and c.links and c.best_avatar() for c in channels)
    assert any(EMAIL.search(c.description) or c.email for c in channels)
    assert any(c.email for c in channels)
    videos = synthetic.answer("/v1/youtube/channel-videos", {"handle": "BakeLab"})
    assert YouTubeChannelVideos.model_validate(videos).videos


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/v1/tiktok/search/keyword", {}, "query is required"),
        ("/v1/tiktok/search/keyword", {"query": "x", "cursor": "abc"}, "cursor must be"),
        ("/v1/tiktok/profile", {"handle": " "}, "handle is required"),
        ("/v1/youtube/channel", {"id": "UC1"}, "You must provide a handle or a channelId"),
        ("/v1/youtube/search", {"query": "x", "continuationToken": "bogus"}, "continuationToken"),
    ],
)
async def test_bad_input_gets_a_400(path: str, params: dict[str, str], message: str) -> None:
    async with (
        running_mock(mode="synthetic") as mock,
        aiohttp.ClientSession(headers={"x-api-key": "dev-key"}) as http,
        http.get(mock.url + path, params=params) as response,
    ):
        assert response.status == 400
        body = await response.json()
    assert body["success"] is False
    assert message in body["message"]


async def test_unknown_route_is_the_express_404() -> None:
    async with (
        running_mock(mode="synthetic") as mock,
        aiohttp.ClientSession(headers={"x-api-key": "dev-key"}) as http,
        http.get(mock.url + "/v1/tiktok/similar") as response,
    ):
        assert (response.status, response.content_type) == (404, "text/html")
        assert "Cannot GET /v1/tiktok/similar" in await response.text()
