"""Publishing steps through the official SDK against the in-process emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from qstash import AsyncQStash

from emulator.qstash.testing import RunningEmulator, running_emulator
from service.api.errors import status_of
from service.qstash.publisher import Publisher, PublishError, close_qstash, deduplication_id


@pytest.fixture
async def emulator() -> AsyncIterator[RunningEmulator]:
    async with running_emulator() as emu:
        yield emu


@pytest.fixture
async def client(emulator: RunningEmulator) -> AsyncIterator[AsyncQStash]:
    client = AsyncQStash(emulator.token, base_url=emulator.url, retry=False)
    yield client
    await close_qstash(client)


@pytest.fixture
def publisher(client: AsyncQStash, refused_url: str) -> Publisher:
    # Deliveries reach nothing here; these tests read the emulator's transcript instead.
    return Publisher(
        client,
        webhook_url=f"{refused_url}/api/qstash/process-scraping",
        failure_callback_url=f"{refused_url}/api/qstash/failure",
    )


def test_deduplication_ids_have_no_colons() -> None:
    job_id = uuid4()
    assert deduplication_id(job_id, 3) == f"job-{job_id}-step-3"
    assert deduplication_id(job_id, 3, revival=2) == f"job-{job_id}-step-3-revival-2"
    assert ":" not in deduplication_id(job_id, 3, revival=2)
    assert deduplication_id(job_id, 3, attempt=1) == f"job-{job_id}-step-3-attempt-1"


async def test_a_step_is_delivered_after_its_delay(
    emulator: RunningEmulator, publisher: Publisher, client: AsyncQStash
) -> None:
    job_id = uuid4()

    message_id = await publisher.publish_step(job_id, 2, delay_seconds=1.2)
    queued = await client.message.get(message_id)
    assert (queued.max_retries, queued.failure_callback) == (3, publisher.failure_callback_url)
    await emulator.advance(1)
    assert emulator.deliveries() == []
    await emulator.advance(1)

    [delivery] = emulator.deliveries()[:1]
    assert delivery["messageId"] == message_id
    assert delivery["url"] == publisher.webhook_url
    assert json.loads(delivery["body"]) == {"jobId": str(job_id), "step": 2}


async def test_publishing_a_step_twice_is_deduplicated(publisher: Publisher) -> None:
    job_id = uuid4()

    first = await publisher.publish_step(job_id, 0)
    again = await publisher.publish_step(job_id, 0)
    revived = await publisher.publish_step(job_id, 0, revival=1)

    assert first == again != revived


async def test_a_refused_publish_is_a_publish_error(
    emulator: RunningEmulator, refused_url: str
) -> None:
    client = AsyncQStash("not-the-token", base_url=emulator.url, retry=False)
    publisher = Publisher(client, webhook_url=refused_url, failure_callback_url=refused_url)
    try:
        with pytest.raises(PublishError, match=r"^could not queue the job: .*401") as raised:
            await publisher.publish_step(uuid4(), 0)
    finally:
        await close_qstash(client)
    assert status_of(raised.value) == 502


async def test_an_unreachable_qstash_is_a_publish_error(refused_url: str) -> None:
    client = AsyncQStash("token", base_url=refused_url, retry=False)
    publisher = Publisher(client, webhook_url=refused_url, failure_callback_url=refused_url)
    try:
        with pytest.raises(PublishError, match="could not queue the job"):
            await publisher.publish_step(uuid4(), 0)
    finally:
        await close_qstash(client)
