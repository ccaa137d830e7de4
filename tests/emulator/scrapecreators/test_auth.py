"""The API key check answers with the real API's own bodies; the request log never holds keys."""

from __future__ import annotations

import aiohttp

from emulator.scrapecreators.testing import running_mock


async def test_missing_key_gets_the_real_500() -> None:
    async with (
        running_mock(mode="synthetic") as mock,
        aiohttp.ClientSession() as http,
        http.get(mock.url + "/v1/credit-balance") as response,
    ):
        assert response.status == 500
        assert await response.json() == {"success": False, "message": "apiKey is required"}


async def test_unknown_key_gets_the_real_402() -> None:
    async with (
        running_mock(["instagram_similar"], allow_unplayed=True) as mock,
        aiohttp.ClientSession(headers={"x-api-key": "invalid_key"}) as http,
    ):
        async with http.get(mock.url + "/v1/instagram/profile?handle=claybyjune") as response:
            assert response.status == 402
            body = await response.json()
        # The refused request consumed nothing.
        assert len(await mock.unplayed()) == 1
    assert body == {
        "message": (
            "Looks like you're out of credits :( "
            "You'll need to buy more to continue using the service."
        )
    }


async def test_every_configured_key_is_accepted() -> None:
    async with running_mock(mode="synthetic", api_keys=("alpha", "beta")) as mock:
        statuses = []
        for key in ("alpha", "beta", "dev-key"):
            async with (
                aiohttp.ClientSession(headers={"x-api-key": key}) as http,
                http.get(mock.url + "/v1/credit-balance") as response,
            ):
                statuses.append(response.status)
    assert statuses == [200, 200, 402]


async def test_controls_need_no_key_and_the_log_hides_it() -> None:
    async with running_mock(mode="synthetic", api_keys=("s3cret-value",)) as mock:
        async with (
            aiohttp.ClientSession(headers={"x-api-key": "s3cret-value"}) as http,
            http.get(mock.url + "/v1/credit-balance") as response,
        ):
            assert response.status == 200
        async with aiohttp.ClientSession() as anonymous:
            async with anonymous.get(mock.url + "/v1/credit-balance") as response:
                assert response.status == 500
            async with anonymous.get(mock.url + "/_mock/requests") as response:
                text = await response.text()
                log = (await response.json())["requests"]
    assert "s3cret-value" not in text
    assert [(r["api_key"], r["status"], r["source"]) for r in log] == [
        ("present", 200, "synthetic"),
        ("missing", 500, "auth:missing"),
    ]
