"""httpx-shaped HTTP calls carried by aiohttp: the hot path's requests for a fraction of the CPU.

The QStash SDK and the ScrapeCreators client speak httpx: a request in, an `httpx.Response`
out, httpx's errors. httpx's client stack costs several times aiohttp's per call (measured by
bench/bench_service.py; a webhook step makes one or more such calls). `AiohttpWire` takes the
same calls, sends them over one `aiohttp.ClientSession` and answers with a plain
`httpx.Response` (body read), raising httpx's error types, so its callers see no difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx

# httpx's own default: 5 s for each phase.
DEFAULT_TIMEOUT = httpx.Timeout(5.0)
# As many connections at once as httpx's default pool allows.
CONNECTIONS = 100

TimeoutArg = httpx.Timeout | float | None


def _client_timeout(timeout: httpx.Timeout) -> aiohttp.ClientTimeout:
    # httpx bounds each phase, not the whole exchange: connecting, waiting for a pooled
    # connection, and every read.
    return aiohttp.ClientTimeout(
        total=None, connect=timeout.pool, sock_connect=timeout.connect, sock_read=timeout.read
    )


def _as_httpx_error(error: Exception, request: httpx.Request) -> httpx.HTTPError:
    """The httpx error that httpx itself raises for the same failure."""
    message = str(error) or type(error).__name__
    kind: type[httpx.TransportError]
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout
    elif isinstance(error, TimeoutError):  # a read, or waiting for a connection
        kind = httpx.ReadTimeout
    elif isinstance(error, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError
    elif isinstance(error, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        kind = httpx.UnsupportedProtocol
    elif isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        kind = httpx.RemoteProtocolError
    else:
        kind = httpx.ReadError
    return kind(message, request=request)


class _Answer(httpx.Response):
    """An `httpx.Response` whose `request` (and so `url`) is made only when asked for: httpx
    parses the URL again to make it, which costs more than the rest of the answer, and only
    a raw-response log asks."""

    def __init__(self, status: int, headers: Any, content: bytes, method: str, url: object) -> None:
        super().__init__(status, headers=headers, content=content)
        self._made_from = (method, url)

    @property
    def request(self) -> httpx.Request:
        if self._request is None:
            method, url = self._made_from
            self._request = httpx.Request(method, str(url))
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value


class AiohttpWire:
    """The subset of `httpx.AsyncClient` the service's hot path uses: `request`, `get`,
    `aclose`. Redirects are not followed (httpx's default); bodies are read whole."""

    def __init__(self, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> None:
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Opened on first use: a session belongs to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=CONNECTIONS),
                timeout=_client_timeout(self._timeout),
                # The body goes to httpx as it came, and httpx decodes it (gzip, deflate) as
                # it would have itself.
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: str | bytes | None = None,
        timeout: TimeoutArg = None,  # noqa: ASYNC109 (httpx's signature, which callers use)
    ) -> httpx.Response:
        options: dict[str, Any] = {"allow_redirects": False}
        if timeout is not None:
            phases = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
            options["timeout"] = _client_timeout(phases)
        try:
            async with self._open().request(
                method, url, params=params, headers=headers, data=content, **options
            ) as answer:
                body = await answer.read()
        except (TimeoutError, aiohttp.ClientError) as error:
            request = httpx.Request(method, url, params=params, headers=headers)
            raise _as_httpx_error(error, request) from error
        return _Answer(answer.status, answer.raw_headers, body, method, answer.url)

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: TimeoutArg = None,  # noqa: ASYNC109 (httpx's signature)
    ) -> httpx.Response:
        return await self.request("GET", url, params=params, headers=headers, timeout=timeout)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
