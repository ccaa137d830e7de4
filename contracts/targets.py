"""What a contract runs against: a target's addresses, credentials, and how it lets time pass."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from qstash import AsyncQStash
from qstash.message import PublishResponse

from contracts.control import EmulatorControl, MockControl
from contracts.flaky_store import FlakyStore
from contracts.receiver import Inbox, running_receiver
from scout.api_client import ServiceClient
from service.qstash.publisher import close_qstash


@dataclass(frozen=True)
class QStashAccess:
    url: str
    token: str
    current_key: str
    next_key: str


@dataclass
class Target:
    """One stack under test and what it can do.

    `emulator` is None on real QStash (no time control, no faults); `virtual_service_time` is true
    only in-process, where the service reads the emulator's clock; `disposable` means the test
    owns the stack (it may rotate keys); `clock` reads the target's QStash time, when it has one;
    `database` is the service's own store, in-process only (to take the database away).
    """

    name: str
    http: aiohttp.ClientSession
    qstash: QStashAccess
    clock: Callable[[], float] | None = None
    emulator: EmulatorControl | None = None
    mock: MockControl | None = None
    service_url: str | None = None
    admin_user: str = "dev-admin"
    virtual_service_time: bool = False
    disposable: bool = False
    receiver_port: int = 0
    public_base: str | None = None
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    skew: float = 0.0  # QStash time minus wall time, when the target has no clock of its own
    database: FlakyStore | None = None

    def now(self) -> float:
        """The target's QStash time."""
        return self.clock() if self.clock is not None else time.time() + self.skew

    # ---- requirements: skip, with the reason, where a contract cannot run --------------------

    def needs_emulator(self, why: str) -> EmulatorControl:
        if self.emulator is None:
            pytest.skip(f"{self.name}: {why} needs the emulator's control API")
        return self.emulator

    def needs_service(self) -> ServiceClient:
        if self.service_url is None:
            pytest.skip(f"{self.name}: no service (QStash-level contracts only)")
        return ServiceClient(self.http, self.service_url, admin=self.admin_user)

    def needs_database(self, why: str) -> FlakyStore:
        if self.database is None:
            pytest.skip(f"{self.name}: {why} needs the service's store in this process")
        return self.database

    def needs_service_time(self) -> None:
        if not self.virtual_service_time:
            pytest.skip(f"{self.name}: the service's clock cannot be moved on this target")

    def needs_disposable(self, why: str) -> None:
        if not self.disposable:
            pytest.skip(f"{self.name}: {why} would change a stack that others use")

    async def needs_replay(self, *cassettes: str) -> MockControl:
        if not await self.replays():
            pytest.skip(f"{self.name}: the mock does not replay cassettes on this target")
        assert self.mock is not None
        await self.mock.load(*cassettes)
        return self.mock

    async def replays(self) -> bool:
        """Whether the mock replays cassettes (else it invents answers: `scout dev`'s mode)."""
        return self.mock is not None and await self.mock.mode() == "replay"

    async def unplayed(self) -> list[dict[str, Any]]:
        """Recordings the mock has not served (the scenario asked less than the cassette holds)."""
        return [] if self.mock is None else await self.mock.unplayed()

    # ---- QStash --------------------------------------------------------------------------

    @asynccontextmanager
    async def publisher(self) -> AsyncIterator[AsyncQStash]:
        client = AsyncQStash(self.qstash.token, base_url=self.qstash.url, retry=False)
        try:
            yield client
        finally:
            await close_qstash(client)

    @asynccontextmanager
    async def receiver(self, keys: tuple[str, str] | None = None) -> AsyncIterator[Inbox]:
        """A verifying receiver QStash can reach; `keys` default to the target's pair."""
        pair = keys or (self.qstash.current_key, self.qstash.next_key)
        async with running_receiver(
            pair,
            self.now,
            port=self.receiver_port,
            public_base=self.public_base,
            changed=self.changed,
        ) as inbox:
            yield inbox

    async def until(self, ready: Callable[[], bool], within: float) -> None:
        """Let up to `within` seconds of QStash time pass until `ready()`.

        With an emulator this jumps from one due time to the next (milliseconds of real time);
        on real QStash it waits in real time, with a minute of slack for the network.
        """
        if self.emulator is None:
            async with self.changed:
                await asyncio.wait_for(self.changed.wait_for(ready), within + 60)
            return
        end = await self.emulator.now() + within
        while not ready():
            if not await self.tick(until=end):
                raise AssertionError(f"not reached within {within:g}s of QStash time")

    async def tick(self, until: float | None = None) -> bool:
        """Deliver what is due now or else move QStash time to the next due delivery (not past
        `until`) and deliver that; False when there was nothing to deliver."""
        emulator = self.needs_emulator("stepping through deliveries")
        clock = await emulator.clock()
        due, now = clock["nextDue"], clock["nowSeconds"]
        if due is None or (until is not None and due / 1000 > until):
            return False
        # The control API rounds to milliseconds: stepping 1 ms past the due time (at least 1 ms)
        # means rounding can never leave it just out of reach and time always moves on. The
        # emulator stops at each due time on the way, so every delivery still happens on time.
        await self._advance(emulator, max(0.001, (due + 1) / 1000 - now))
        return True

    async def advance(self, seconds: float) -> None:
        """Move QStash time (and, in-process, the service's) forward, delivering on the way."""
        await self._advance(self.needs_emulator("moving time"), seconds)

    async def _advance(self, emulator: EmulatorControl, seconds: float) -> None:
        # Moved before the jump, so what arrives during it is stamped with the new time; and
        # only ever moved by the amounts jumped, so stamps and `now()` share one calibration.
        self.skew += seconds
        await emulator.advance(seconds)

    @property
    def webhook_url(self) -> str:
        return f"{self.service_url}/api/qstash/process-scraping"

    async def settle(self) -> None:
        """Deliver what is due now (and what that makes due now)."""
        if self.emulator is not None:
            await self.emulator.drain()


async def publish(client: AsyncQStash, **options: Any) -> str:
    """Publish a JSON message to one URL through the official SDK; returns its message id."""
    response = await client.message.publish_json(**options)
    assert isinstance(response, PublishResponse), response
    return str(response.message_id)
