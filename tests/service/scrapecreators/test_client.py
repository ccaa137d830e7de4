"""The ScrapeCreators client: requests it sends, failures it classifies, what it counts and logs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from service.clock import ManualClock
from service.jobs.enums import SearchType
from service.metrics import Metrics
from service.scrapecreators.client import ScrapeCreatorsClient
from service.scrapecreators.errors import (
    KEY_REJECTED,
    FatalError,
    RetryableError,
    parse_retry_after,
)
from service.scrapecreators.gate import CallGate
from service.scrapecreators.raw_log import RawLog
from tests.service.scrapecreators.gates import Ceiling

KEY = "sc-secret-key-123"
Handler = Callable[[httpx.Request], httpx.Response]


class Server:
    """An httpx transport answering with `handler`, remembering every request."""

    def __init__(self) -> None:
        self.handler: Handler = lambda request: httpx.Response(200, json={})
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)


@pytest.fixture
def server() -> Server:
    return Server()


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
        yield client


def make_client(
    http: httpx.AsyncClient, clock: ManualClock, **kwargs: object
) -> ScrapeCreatorsClient:
    metrics = Metrics()
    return ScrapeCreatorsClient(
        http,
        base_url="https://api.example",
        api_key=KEY,
        metrics=metrics,
        clock=clock,
        gate=CallGate(clock, Ceiling(4), metrics),
        **kwargs,  # type: ignore[arg-type]
    )


def calls(client: ScrapeCreatorsClient, endpoint: str, status: str) -> float:
    counter = client.metrics.scrapecreators_calls.labels(endpoint=endpoint, status=status)
    return float(counter._value.get())


async def test_a_search_sends_the_key_and_parses_the_page(
    server: Server, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    server.handler = lambda request: httpx.Response(
        200, json={"cursor": 30, "has_more": 1, "search_item_list": [{"aweme_info": {"desc": "x"}}]}
    )
    client = make_client(http, clock)

    page = await client.tiktok_keyword_search("home baking", 0)

    [request] = server.requests
    assert request.url.path == "/v1/tiktok/search/keyword"
    assert dict(request.url.params) == {"query": "home baking", "cursor": "0"}
    assert request.headers["x-api-key"] == KEY
    assert (page.cursor, [item.desc for item in page.items()]) == (30, ["x"])
    assert calls(client, "/v1/tiktok/search/keyword", "200") == 1


async def test_youtube_continuation_token_only_after_the_first_page(
    server: Server, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = make_client(http, clock)

    await client.youtube_search("bread", None)
    await client.youtube_search("bread", "tok")

    assert [dict(r.url.params) for r in server.requests] == [
        {"query": "bread"},
        {"query": "bread", "continuationToken": "tok"},
    ]


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        (
            402,
            b'{"message":"Looks like you\'re out of credits :("}',
            FatalError,
            "ScrapeCreators: out of credits (Looks like you're out of credits :()",
        ),
        (401, b'{"error":"bad key"}', FatalError, KEY_REJECTED),
        (
            400,
            b'{"message":"You must provide a handle"}',
            FatalError,
            "ScrapeCreators: You must provide a handle",
        ),
        (
            404,
            b"<html>Cannot GET /v1/tiktok/profile</html>",
            FatalError,
            "ScrapeCreators: /v1/tiktok/profile answered 404: <html>Cannot GET",
        ),
        (429, b"{}", RetryableError, "ScrapeCreators: rate limited on /v1/tiktok/profile"),
        (
            503,
            b"upstream connect error",
            RetryableError,
            "ScrapeCreators: /v1/tiktok/profile answered 503: upstream connect error",
        ),
        (
            200,
            b"<html>not json",
            RetryableError,
            "ScrapeCreators: /v1/tiktok/profile answered a body that is not JSON",
        ),
        (
            200,
            b"[" * 100_000 + b"]" * 100_000,
            RetryableError,
            "ScrapeCreators: /v1/tiktok/profile answered a body that is not JSON",
        ),
        (
            400,
            b'{"message":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            FatalError,
            'ScrapeCreators: {"message":[[[',
        ),
        (
            200,
            b'{"user": "not an object"}',
            FatalError,
            "ScrapeCreators: unexpected /v1/tiktok/profile response",
        ),
    ],
)
async def test_failures_are_classified_with_a_message_for_users(
    server: Server,
    http: httpx.AsyncClient,
    clock: ManualClock,
    status: int,
    body: bytes,
    kind: type[Exception],
    message: str,
) -> None:
    server.handler = lambda request: httpx.Response(status, content=body)
    client = make_client(http, clock)

    with pytest.raises(kind) as raised:
        await client.tiktok_profile("someone")

    assert str(raised.value).startswith(message)
    assert calls(client, "/v1/tiktok/profile", str(status)) == 1


async def test_retry_after_is_read_from_a_429(
    server: Server, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    server.handler = lambda request: httpx.Response(429, headers={"Retry-After": "42"})

    with pytest.raises(RetryableError) as raised:
        await make_client(http, clock).instagram_profile("someone")

    assert raised.value.retry_after == 42


def test_retry_after_accepts_seconds_and_http_dates(clock: ManualClock) -> None:
    assert parse_retry_after("7", clock.now()) == 7
    assert parse_retry_after("Thu, 01 Jan 2026 00:01:30 GMT", clock.now()) == 90
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", clock.now()) == 0
    assert parse_retry_after("soon", clock.now()) is None
    assert parse_retry_after(None, clock.now()) is None


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectError("refused"), "error"),
    ],
)
async def test_network_failures_are_retryable(
    clock: ManualClock, error: httpx.HTTPError, status: str
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    async with httpx.AsyncClient(transport=httpx.MockTransport(fail)) as http:
        client = make_client(http, clock)
        with pytest.raises(RetryableError):
            await client.youtube_channel("someone")

    assert calls(client, "/v1/youtube/channel", status) == 1


async def test_searches_and_profiles_have_their_own_timeouts(
    server: Server, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = make_client(http, clock, search_timeout=30.0, profile_timeout=10.0)

    await client.tiktok_user_search("bread")
    await client.tiktok_profile("bread")

    assert [r.extensions["timeout"]["read"] for r in server.requests] == [30.0, 10.0]


async def test_raw_responses_are_written_with_the_key_scrubbed(
    server: Server, http: httpx.AsyncClient, clock: ManualClock, tmp_path: Path
) -> None:
    server.handler = lambda request: httpx.Response(200, json={"echo": KEY, "users": []})
    client = make_client(http, clock, raw_log=RawLog(tmp_path, api_key=KEY))

    await client.scoped(SearchType.SIMILAR).tiktok_user_search("bread")

    [written] = list((tmp_path / "similar").iterdir())
    assert written.name.startswith("tiktok-20260101T000000")
    text = written.read_text()
    assert KEY not in text
    record = json.loads(text)
    assert (record["status"], record["body"]["echo"]) == (200, "***")
