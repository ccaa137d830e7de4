"""Cancel: the owner's active job becomes `cancelled`, its queued step leaves QStash, and any late
delivery, failure callback or sweep leaves it as it is."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from qstash import AsyncQStash
from qstash.errors import QStashError

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.keys import PARTS
from service.qstash.publisher import close_qstash
from service.store import Store
from tests.service.pipeline import Pipeline, pipeline

WEBHOOK = "/api/qstash/process-scraping"
TIKTOK = {"keywords": ["home baking"], "targetResults": 100}


@pytest.fixture
async def p(store: Store, clock: ManualClock) -> AsyncIterator[Pipeline]:
    async with pipeline(store, clock, ["tiktok_keyword"], allow_unplayed=True) as running:
        yield running


async def cancel(p: Pipeline, job_id: UUID | str, user: str = "user-1") -> tuple[int, Any]:
    response = await p.stack.client.post(f"/api/jobs/{job_id}/cancel", headers=p.stack.auth(user))
    return response.status, await response.json()


async def queued(p: Pipeline, message_id: str) -> bool:
    """Whether QStash still holds the message (it answers 404 once it is cancelled)."""
    emulator = p.stack.emulator
    client = AsyncQStash(emulator.token, base_url=emulator.url, retry=False)
    try:
        await client.message.get(message_id)
    except QStashError as error:
        if "404" not in str(error):
            raise
        return False
    finally:
        await close_qstash(client)
    return True


def webhook_statuses(p: Pipeline) -> list[int]:
    return [d["status"] for d in p.stack.emulator.deliveries() if d["url"].endswith(WEBHOOK)]


async def test_a_pending_job_is_cancelled_and_its_first_message_taken_back(p: Pipeline) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    first = (await p.job(job_id)).qstash_message_id
    assert first is not None
    assert await queued(p, first)

    code, body = await cancel(p, job_id)

    assert code == 200
    assert (body["id"], body["status"], body["messageCancelled"]) == (
        str(job_id),
        "cancelled",
        True,
    )
    assert body["completedAt"] is not None
    assert not await queued(p, first)
    await p.stack.emulator.run_until_idle()
    assert webhook_statuses(p) == []  # nothing was ever delivered
    status = await p.stack.client.get(
        f"/api/scraping/tiktok?jobId={job_id}", headers=p.stack.auth()
    )
    assert (await status.json())["status"] == "cancelled"


async def test_the_step_waiting_after_a_committed_one_is_what_gets_cancelled(p: Pipeline) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    await p.stack.emulator.drain()  # step 0 runs; step 1 waits out its continuation delay
    running = await p.job(job_id)
    assert (running.step, running.processed_results) == (1, 4)
    assert running.queued_message_id not in (None, running.qstash_message_id)
    assert running.queued_message_id is not None
    assert await queued(p, running.queued_message_id)

    code, body = await cancel(p, job_id)

    assert (code, body["status"], body["messageCancelled"]) == (200, "cancelled", True)
    assert (body["processedResults"], body["progress"]) == (4, running.progress)
    assert not await queued(p, running.queued_message_id)
    await p.stack.emulator.run_until_idle()
    assert webhook_statuses(p) == [200]  # step 0 only
    assert len(await p.handles(job_id)) == 4


async def test_a_late_delivery_of_a_cancelled_job_changes_nothing(p: Pipeline) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    await cancel(p, job_id)
    before = await p.job(job_id)

    answer = await p.deliver(job_id, 0)

    assert answer == {
        "jobId": str(job_id),
        "step": 0,
        "outcome": "ignored",
        "reason": "job already cancelled",
    }
    assert await p.job(job_id) == before
    assert await p.store.count_results(job_id) == 0


async def test_a_message_published_for_a_job_cancelled_meanwhile_is_taken_back(
    p: Pipeline,
) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    await cancel(p, job_id)

    # As the webhook would, had it committed a step just before the cancel.
    late = await p.stack.app[PARTS].publisher.publish_step(job_id, 1, delay_seconds=2)

    assert not await queued(p, late)
    assert (await p.job(job_id)).queued_message_id != late


def failure_callback(job_id: UUID, step: int) -> dict[str, Any]:
    source = json.dumps({"jobId": str(job_id), "step": step})
    return {
        "sourceBody": base64.b64encode(source.encode()).decode(),
        "status": 500,
        "body": base64.b64encode(b"gave up").decode(),
    }


async def test_the_failure_callback_leaves_a_cancelled_job_alone(p: Pipeline) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    await cancel(p, job_id)
    before = await p.job(job_id)

    response = await p.post_signed("/api/qstash/failure", failure_callback(job_id, 0))

    assert (response.status, (await response.json())["failed"]) == (200, False)
    assert await p.job(job_id) == before


async def test_a_finished_job_is_a_409_naming_its_status(p: Pipeline) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    await p.stack.emulator.run_until_idle()
    assert (await p.job(job_id)).status is JobStatus.COMPLETED

    assert await cancel(p, job_id) == (409, {"error": "job already completed"})
    assert (await p.job(job_id)).status is JobStatus.COMPLETED


async def test_cancelling_twice_is_a_409(p: Pipeline) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    await cancel(p, job_id)

    assert await cancel(p, job_id) == (409, {"error": "job already cancelled"})


async def test_an_overdue_job_times_out_rather_than_being_cancelled(
    p: Pipeline, clock: ManualClock
) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    clock.advance(2 * 3600)  # past the standard 60-minute deadline

    assert await cancel(p, job_id) == (409, {"error": "job already timeout"})


@pytest.mark.parametrize("who", ["another user", "unknown id", "malformed id"])
async def test_anyone_elses_or_no_job_is_a_404(p: Pipeline, who: str) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    target, user = {
        "another user": (str(job_id), "user-2"),
        "unknown id": (str(uuid4()), "user-1"),
        "malformed id": ("not-a-uuid", "user-1"),
    }[who]

    code, body = await cancel(p, target, user=user)

    assert code == 404
    assert "error" in body
    assert (await p.job(job_id)).status is JobStatus.PENDING


async def test_cancel_needs_credentials(p: Pipeline) -> None:
    job_id = await p.start("tiktok", **TIKTOK)

    response = await p.stack.client.post(f"/api/jobs/{job_id}/cancel")

    assert response.status == 401
    assert (await p.job(job_id)).status is JobStatus.PENDING


async def test_the_sweep_neither_revives_nor_times_out_a_cancelled_job_and_deletes_it_later(
    p: Pipeline, clock: ManualClock
) -> None:
    job_id = await p.start("tiktok", **TIKTOK)
    await cancel(p, job_id)
    before = await p.job(job_id)

    clock.advance(2 * 3600)  # idle far past `stalled_job_after`, and past its deadline
    swept = await (await p.post_signed("/api/qstash/sweep", {})).json()
    clock.advance(7 * 86400)  # then past `cleanup.cancelled_jobs_retention_days` (7)
    swept_later = await (await p.post_signed("/api/qstash/sweep", {})).json()

    assert swept == {"timedOut": 0, "requeued": 0, "deleted": 0, "published": 0}
    assert swept_later == {"timedOut": 0, "requeued": 0, "deleted": 1, "published": 0}
    assert before.status is JobStatus.CANCELLED
    assert await p.store.get_job(job_id) is None


async def test_cancelled_jobs_are_kept_forever_with_a_zero_retention(
    p: Pipeline, clock: ManualClock
) -> None:
    await p.configure(cleanup__cancelled_jobs_retention_days=0)
    job_id = await p.start("tiktok", **TIKTOK)
    await cancel(p, job_id)

    clock.advance(3650 * 86400)
    swept = await (await p.post_signed("/api/qstash/sweep", {})).json()

    assert swept["deleted"] == 0
    assert (await p.job(job_id)).status is JobStatus.CANCELLED
