"""Strict replay: recorded order, determinism, helpful misses and unplayed detection."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from emulator.scrapecreators.replay import CassetteError, resolve
from emulator.scrapecreators.testing import running_mock
from tests.emulator.scrapecreators.conftest import WriteCassette

KEYWORD = "/v1/tiktok/search/keyword"


async def get(http: aiohttp.ClientSession, url: str, **params: Any) -> tuple[int, str, bytes]:
    async with http.get(url, params=params) as response:
        return response.status, response.content_type, await response.read()


async def test_recorded_duplicates_play_in_order(http: aiohttp.ClientSession) -> None:
    async with running_mock(["failure_503_then_success"], allow_unplayed=True) as mock:
        url = mock.url + KEYWORD
        first = await get(http, url, query="latte art", cursor="0")
        second = await get(http, url, query="latte art", cursor="0")
    assert first[:2] == (503, "text/plain")
    assert first[2].startswith(b"upstream connect error")
    assert second[:2] == (200, "application/json")
    assert b'"has_more": 0' in second[2]


async def test_the_key_is_not_matched_nor_the_query_order() -> None:
    async with (
        running_mock(["failure_503_then_success"], api_keys=("other",), allow_unplayed=True) as m,
        aiohttp.ClientSession(headers={"x-api-key": "other"}) as other,
    ):
        # Recordings hold no key, so any accepted key replays; parameters may come in any order.
        url = f"{m.url}{KEYWORD}?cursor=0&query=latte%20art"
        async with other.get(url) as response:
            assert response.status == 503


async def test_replay_is_deterministic_across_resets(
    http: aiohttp.ClientSession, write_cassette: WriteCassette
) -> None:
    path = write_cassette("two", [("/v1/credit-balance", 200, {"creditCount": 7})])
    async with running_mock([path]) as mock:
        first = await get(http, mock.url + "/v1/credit-balance")
        async with http.post(mock.url + "/_mock/reset") as response:
            assert response.status == 200
        again = await get(http, mock.url + "/v1/credit-balance")
    assert first == again == (200, "application/json", b'{"creditCount": 7}')


async def test_miss_lists_closest_recordings_and_differences(
    http: aiohttp.ClientSession,
) -> None:
    async with running_mock(["tiktok_keyword"], allow_unplayed=True) as mock:
        status, _, _ = await get(http, mock.url + KEYWORD, query="home baking", cursor="0")
        assert status == 200
        async with http.get(
            mock.url + KEYWORD, params={"query": "home baking", "cursor": "45"}
        ) as response:
            body = await response.json()
            assert response.status == 501
    assert body["request"]["query"] == {"query": "home baking", "cursor": "45"}
    closest = body["closest"]
    assert closest, body
    assert all(c["path"] == KEYWORD for c in closest)
    assert {c["query"]["cursor"] for c in closest} <= {"0", "30", "60"}
    assert "query cursor: asked '45', recorded '30'" in [
        d for c in closest for d in c["differences"]
    ]
    assert body["cassettes"] == ["tiktok_keyword"]


async def test_closest_prefers_the_fewest_differences(http: aiohttp.ClientSession) -> None:
    cassettes = ["failure_402_midjob", "tiktok_keyword"]
    params = {"query": "home baking", "cursor": "7"}
    async with (
        running_mock(cassettes, allow_unplayed=True) as mock,
        http.get(mock.url + KEYWORD, params=params) as response,
    ):
        closest = (await response.json())["closest"]
    assert [c["cassette"] for c in closest] == ["tiktok_keyword"] * 3
    assert all(c["differences"] == [f"query cursor: asked '7', recorded '{c['query']['cursor']}'"]
               for c in closest)  # fmt: skip


async def test_miss_on_a_spent_recording_says_so(http: aiohttp.ClientSession) -> None:
    async with running_mock(["instagram_similar_empty"]) as mock:
        url = mock.url + "/v1/instagram/profile"
        assert (await get(http, url, handle="lonely.loom"))[0] == 200
        async with http.get(url, params={"handle": "lonely.loom"}) as response:
            body = await response.json()
            assert response.status == 501
    [spent] = body["closest"]
    assert spent["played"] is True
    assert spent["differences"] == []
    assert "played already" in body["hint"]


async def test_miss_with_nothing_alike(http: aiohttp.ClientSession) -> None:
    async with running_mock([]) as mock, http.post(mock.url + "/v1/whatever") as response:
        body = await response.json()
        assert response.status == 501
    assert body["closest"] == []
    assert body["request"]["method"] == "POST"


async def test_unplayed_lists_what_is_left(http: aiohttp.ClientSession) -> None:
    async with running_mock(["failure_429_then_success"], allow_unplayed=True) as mock:
        await get(http, mock.url + "/v1/youtube/search", query="trail running")
        async with http.get(mock.url + "/_mock/unplayed") as response:
            listed = (await response.json())["unplayed"]
        assert listed == await mock.unplayed()
    assert [(u["index"], u["path"]) for u in listed] == [
        (1, "/v1/youtube/search"),
        (2, "/v1/youtube/channel"),
        (3, "/v1/youtube/channel"),
    ]


async def test_harness_fails_a_test_that_leaves_recordings() -> None:
    with pytest.raises(AssertionError, match=r"1 recorded interaction\(s\) were never played"):
        async with running_mock(["instagram_similar"]):
            pass


async def test_harness_does_not_mask_the_tests_own_error() -> None:
    with pytest.raises(KeyError):
        async with running_mock(["instagram_similar"]):
            raise KeyError("the test's failure")


async def test_harness_passes_when_everything_played(http: aiohttp.ClientSession) -> None:
    async with running_mock(["instagram_similar"]) as mock:
        await get(http, mock.url + "/v1/instagram/profile", handle="claybyjune")
        log = await mock.requests()
    assert [(r["status"], r["source"]) for r in log] == [(200, "cassette:instagram_similar#0")]


def test_unknown_cassette_name_is_a_clear_error() -> None:
    with pytest.raises(CassetteError, match="no cassette named 'nope'"):
        resolve(["nope"])


def test_a_folder_loads_every_cassette() -> None:
    names = [path.stem for path in resolve(resolve(["tiktok_keyword"])[0].parent)]
    assert {"tiktok_keyword", "failure_timeout", "youtube_similar"} <= set(names)
