"""Publishing never waits on deliveries: receivers that publish from their handler keep moving."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from aiohttp import web
from qstash import AsyncQStash
from qstash.message import BatchJsonRequest

from emulator.qstash.config import DEFAULT_CONCURRENCY
from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import serve

CHAINS = 5 * DEFAULT_CONCURRENCY  # a backlog far above the delivery slots
HOPS = 3  # each delivery but the last publishes the chain's next hop from its handler
DEADLINE = 30.0  # seconds; the SDK's read timeout is ten minutes, a deadlock shows as this


class Chains:
    """A webhook like the service's: it publishes its chain's next step before answering."""

    def __init__(self, client: AsyncQStash) -> None:
        self.client = client
        self.base = ""
        self.seen: set[tuple[int, int]] = set()
        self.published: set[tuple[int, int]] = set()
        self.done = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        step = json.loads(await request.read())
        chain, hop = step["chain"], step["hop"]
        self.seen.add((chain, hop))
        if hop + 1 < HOPS:
            answer = await self.client.message.publish_json(
                url=self.base + "/step", body={"chain": chain, "hop": hop + 1}
            )
            assert not isinstance(answer, list)
            assert answer.message_id
            self.published.add((chain, hop + 1))
        if len(self.seen) == CHAINS * HOPS:
            self.done.set()
        return web.Response(text="ok")


async def test_a_backlog_released_at_once_never_deadlocks_receivers_that_publish(
    emu: RunningEmulator, client: AsyncQStash
) -> None:
    chains = Chains(client)
    async with serve(chains.handle) as base:
        chains.base = base
        first: list[BatchJsonRequest] = [
            {"url": base + "/step", "body": {"chain": chain, "hop": 0}} for chain in range(CHAINS)
        ]
        # Accepted on the manual clock, so all of it falls due the moment time runs.
        await client.message.batch_json(first)
        async with aiohttp.ClientSession() as http:
            async with http.post(emu.url + "/_emulator/clock", json={"mode": "system"}) as response:
                assert response.status == 200
            try:
                async with asyncio.timeout(DEADLINE):
                    await chains.done.wait()
            finally:
                # Held back so a failing run stops delivering before the receiver goes away.
                async with http.post(emu.url + "/_emulator/clock", json={"mode": "manual"}):
                    pass
    assert len(chains.seen) == CHAINS * HOPS
    assert chains.published == {(c, h) for c in range(CHAINS) for h in range(1, HOPS)}
