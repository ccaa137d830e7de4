"""Publish load against a QStash-like target and measure what arrives at the receiver."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import aiohttp

ARRIVAL_TIMEOUT = 60.0
POLL_INTERVAL = 0.02


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    token: str
    pid: int  # the server process, for its CPU time

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Published:
    index: int
    sent: float  # wall time just before the publish request
    answered: float  # wall time the publish answer arrived
    message_id: str


HeadersFor = Callable[[int], dict[str, str]]


async def publish_one(
    session: aiohttp.ClientSession,
    target: Target,
    destination: str,
    run: str,
    index: int,
    headers: dict[str, str] | None = None,
) -> Published:
    sent = time.time()
    body = json.dumps({"run": run, "i": index, "t": sent})
    all_headers = {**target.auth, "Content-Type": "application/json", **(headers or {})}
    url = f"{target.url}/v2/publish/{destination}"
    async with session.post(url, data=body, headers=all_headers) as response:
        text = await response.text()
        if response.status >= 300:
            raise RuntimeError(f"{target.name} publish answered {response.status}: {text[:200]}")
    return Published(index, sent, time.time(), json.loads(text)["messageId"])


async def publish_many(
    session: aiohttp.ClientSession,
    target: Target,
    destination: str,
    run: str,
    indices: Iterable[int],
    concurrency: int,
    headers_for: HeadersFor | None = None,
    stop: asyncio.Event | None = None,
) -> list[Published]:
    """Publish each index once from `concurrency` workers that each wait for their answer."""
    shared: Iterator[int] = iter(indices)
    done: list[Published] = []

    async def worker() -> None:
        for index in shared:
            if stop is not None and stop.is_set():
                return
            headers = headers_for(index) if headers_for else None
            done.append(await publish_one(session, target, destination, run, index, headers))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def collect(
    session: aiohttp.ClientSession, receiver: str, run: str, expected: int
) -> list[tuple[int, float, float]]:
    """Wait until `expected` messages of `run` arrived (or time runs out); return their records."""
    deadline = time.monotonic() + ARRIVAL_TIMEOUT
    while time.monotonic() < deadline:
        async with session.get(f"{receiver}/_count", params={"run": run}) as response:
            if await response.json() >= expected:
                break
        await asyncio.sleep(POLL_INTERVAL)
    async with session.get(f"{receiver}/_results", params={"run": run}) as response:
        records: list[list[float]] = await response.json()
    return [(int(i), sent, arrived) for i, sent, arrived in records]


@dataclass(frozen=True)
class Figures:
    throughput: float  # messages per second, first publish to last arrival
    p50_ms: float
    p99_ms: float
    delivered: int
    expected: int
    cpu_us_per_message: float = float("nan")  # the server's user+system CPU per message


def percentiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        only = values[0] if values else float("nan")
        return only, only
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98]


def figures(published: list[Published], arrivals: list[tuple[int, float, float]]) -> Figures:
    if not arrivals:
        return Figures(0.0, float("nan"), float("nan"), 0, len(published))
    start = min(p.sent for p in published)
    end = max(arrived for _, _, arrived in arrivals)
    p50, p99 = percentiles([(arrived - sent) * 1000 for _, sent, arrived in arrivals])
    return Figures(len(arrivals) / (end - start), p50, p99, len(arrivals), len(published))
