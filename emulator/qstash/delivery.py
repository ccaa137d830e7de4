"""One delivery attempt: build the signed request QStash would send, send it, read the verdict."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from emulator.faults import Fault
from emulator.qstash.faults import fault_book
from emulator.qstash.headers import canonical
from emulator.qstash.models import Headers, JsonDict, Message, Response, ms
from emulator.qstash.retry_after import parse_retry_after
from emulator.qstash.signing import corrupt, sign
from emulator.qstash.state import NON_RETRYABLE_STATUS, Outcome, State

DEFAULT_TIMEOUT = 15 * 60.0  # the free plan's Max HTTP Response Duration
MAX_RESPONSE_BODY = 1 << 20  # kept per attempt for events, DLQ and callbacks
TRANSCRIPT_SIZE = 10_000
TRANSCRIPT_BODY = 4096  # bytes of a response body the transcript shows; the rest is cut
_RETRY_HEADERS = (
    "Retry-After",
    "X-RateLimit-Reset",
    "X-RateLimit-Reset-Requests",
    "X-RateLimit-Reset-Tokens",
)


class Delivery:
    """Sends attempts through one shared aiohttp session and keeps a transcript of them."""

    def __init__(
        self,
        state: State,
        *,
        default_timeout: float = DEFAULT_TIMEOUT,
        max_timeout: float | None = None,
    ) -> None:
        self.state = state
        self.max_timeout = max_timeout  # the plan's Max HTTP Response Duration (--quota)
        self.faults = fault_book()
        self._transcript: deque[_Attempt] = deque(maxlen=TRANSCRIPT_SIZE)
        self.default_timeout = default_timeout
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
        # QStash sends its own User-Agent, and a Content-Type only when the publisher gave one.
        self._session = aiohttp.ClientSession(
            connector=connector,
            skip_auto_headers=("User-Agent", "Content-Type"),
            auto_decompress=False,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def request_headers(self, message: Message, *, signature: str) -> CIMultiDict[str]:
        headers: CIMultiDict[str] = CIMultiDict()
        for name, values in (message.headers or {}).items():
            for value in values:
                headers.add(name, value)
        headers["User-Agent"] = "Upstash-QStash"
        headers["Upstash-Signature"] = signature
        headers["Upstash-Message-Id"] = message.id
        headers["Upstash-Retried"] = str(message.retried)
        if message.topic_name is not None:
            headers["Upstash-Topic-Name"] = message.topic_name
        if message.schedule_id is not None:
            headers["Upstash-Schedule-Id"] = message.schedule_id
        if message.caller_ip is not None:
            headers["Upstash-Caller-Ip"] = message.caller_ip
        return headers

    async def attempt(self, message: Message) -> Outcome:
        fault = self.faults.take(message.url)
        if fault is not None and fault.kind == "delay":
            self._record(message, None, fault, note=f"postponed {fault.delay}s")
            return Outcome(Response(status=0), postpone=fault.delay)
        token = sign(key=self.state.current_key, url=message.url, body=message.body)
        if fault is not None and fault.kind == "corrupt_signature":
            token = corrupt(token)
        headers = self.request_headers(message, signature=token)
        if fault is not None and fault.kind == "status" and fault.status is not None:
            injected: Headers = {}
            if fault.retry_after is not None:
                injected[canonical("Retry-After")] = [str(fault.retry_after)]
            response = Response(status=fault.status, headers=injected, body=b"injected fault")
            self._record(message, headers, fault, response=response)
            return self._judge(response)
        started = time.perf_counter()
        if fault is not None and fault.kind == "duplicate":
            first, second = await asyncio.gather(
                self._send(message, headers), self._send(message, headers)
            )
            duration = time.perf_counter() - started
            self._record(message, headers, fault, response=second, duration=duration)
            response = first
        else:
            response = await self._send(message, headers)
            duration = time.perf_counter() - started
        if fault is not None and fault.kind == "timeout":
            # The destination got the request, but QStash gave up waiting: an at-least-once case.
            response = Response(status=0, error="request timed out (injected fault)")
        self._record(message, headers, fault, response=response, duration=duration)
        return self._judge(response)

    async def _send(self, message: Message, headers: CIMultiDict[str]) -> Response:
        assert self._session is not None, "Delivery.start() was not awaited"
        seconds = message.timeout or self.default_timeout
        if self.max_timeout is not None:
            seconds = min(seconds, self.max_timeout)
        timeout = aiohttp.ClientTimeout(total=seconds)
        # The destination URL is sent exactly as published (encoded=True: yarl must not requote).
        try:
            async with self._session.request(
                message.method,
                URL(message.url, encoded=True),
                data=message.body or None,
                headers=headers,
                timeout=timeout,
                allow_redirects=True,  # like Go's client, which QStash uses
            ) as reply:
                body = await reply.content.read(MAX_RESPONSE_BODY)
                response_headers: Headers = {}
                for name, value in reply.headers.items():
                    response_headers.setdefault(canonical(name), []).append(value)
                return Response(status=reply.status, headers=response_headers, body=body)
        except TimeoutError:
            return Response(status=0, error="request timed out")
        except (aiohttp.ClientError, ValueError) as exc:
            return Response(status=0, error=f"connection error: {exc.__class__.__name__}: {exc}")

    def _judge(self, response: Response) -> Outcome:
        outcome = Outcome(response)
        if outcome.ok:
            return outcome
        headers = response.headers
        if response.status == NON_RETRYABLE_STATUS:
            flag = headers.get("Upstash-Nonretryable-Error", [""])[0]
            outcome.non_retryable = flag.lower() == "true"
        now = self.state.now()
        for name in _RETRY_HEADERS:
            values = headers.get(canonical(name))
            if values:
                outcome.retry_after = parse_retry_after(values[0], now=now)
                if outcome.retry_after is not None:
                    break
        return outcome

    def _record(
        self,
        message: Message,
        headers: CIMultiDict[str] | None,
        fault: Fault | None,
        *,
        response: Response | None = None,
        note: str | None = None,
        duration: float | None = None,
    ) -> None:
        # Kept raw and rendered on request: building the dict costs more than the attempt's
        # own bookkeeping, and most transcripts are never read.
        kind = None if fault is None else fault.kind
        self._transcript.append(
            _Attempt(
                message, headers, message.retried, self.state.now(), response, kind, note, duration
            )
        )

    def transcript(self) -> list[JsonDict]:
        return [attempt.to_json() for attempt in self._transcript]

    def clear_transcript(self) -> None:
        self._transcript.clear()


@dataclass(slots=True)
class _Attempt:
    message: Message
    headers: CIMultiDict[str] | None
    retried: int
    time: float
    response: Response | None
    fault: str | None
    note: str | None
    duration: float | None  # seconds the HTTP exchange took (wall clock); None: none was sent

    def to_json(self) -> JsonDict:
        message, response = self.message, self.response
        # The attempt keeps the Response it got (shared with events and callbacks): the cap
        # is applied here, when someone reads the transcript, not on the delivery path.
        body = b"" if response is None else response.body
        record: JsonDict = {
            "messageId": message.id,
            "url": message.url,
            "method": message.method,
            "headers": dict(self.headers) if self.headers is not None else {},
            "body": message.body.decode(errors="replace"),
            "attempt": self.retried + 1,
            "retried": self.retried,
            "time": ms(self.time),
            "status": None if response is None else response.status,
            "error": None if response is None else response.error,
            "fault": self.fault,
            "responseHeaders": {} if response is None else response.headers,
            "responseBody": body[:TRANSCRIPT_BODY].decode(errors="replace"),
            "responseBodyTruncated": len(body) > TRANSCRIPT_BODY,
            "durationMs": None if self.duration is None else round(self.duration * 1000, 3),
            "callbackOf": message.callback_of,
            "callback": None if message.callback is None else message.callback.url,
            "failureCallback": (
                None if message.failure_callback is None else message.failure_callback.url
            ),
        }
        if self.note is not None:
            record["note"] = self.note
        return record
