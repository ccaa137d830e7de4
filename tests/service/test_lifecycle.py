"""Job lifecycle under QStash's at-least-once delivery and ScrapeCreators' failures."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any
from uuid import uuid4

import pytest

from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.jobs.lifecycle import backoff_seconds
from service.logs import record_fields
from service.store import Store
from tests.service.pipeline import (
    BAKING,
    BAKING_HANDLES,
    WEBHOOK,
    pipeline,
    step_deliveries,
)
from tests.service.stepping import paths

# --- duplicates, concurrency, stale retries --------------------------------------------------


async def test_every_delivery_duplicated_changes_nothing(store: Store, clock: ManualClock) -> None:
    async with pipeline(store, clock, ["tiktok_keyword"]) as p:
        await p.stack.emulator.fault(WEBHOOK, "duplicate", count=20)

        job = await p.run("tiktok", **BAKING)

        assert (job.status, job.processed_results, job.processed_runs) == (
            JobStatus.COMPLETED,
            6,
            3,
        )
        assert await p.handles(job.id) == BAKING_HANDLES
        # The strict mock answers a second identical request with a 501: no call was repeated.
        assert len(await paths(p)) == 10


async def test_two_deliveries_at_once_do_the_work_once(store: Store, clock: ManualClock) -> None:
    async with pipeline(store, clock, ["instagram_similar"]) as p:
        job_id = await p.start("instagram", username="claybyjune")

        message = {"jobId": str(job_id), "step": 0}
        webhook = "/api/qstash/process-scraping"
        answers = await asyncio.gather(*(p.post_signed(webhook, message) for _ in range(2)))

        outcomes = []
        for answer in answers:
            outcome = (await answer.json()).get("outcome") if answer.status == 200 else None
            outcomes.append((answer.status, outcome, answer.headers.get("Retry-After")))
        # One did the step. The other arrived while it held the step ("come back" when the
        # lease ends) or after it finished (nothing left to do), whichever was first to start.
        assert sorted(outcomes, key=str) in (
            [(200, "completed", None), (409, None, "15")],
            [(200, "completed", None), (200, "ignored", None)],
        ), outcomes
        assert await paths(p) == ["/v1/instagram/profile"]
        await p.stack.emulator.drain()  # QStash's own delivery arrives after the fact
        job = await p.job(job_id)
        assert (job.status, job.processed_results, job.step) == (JobStatus.COMPLETED, 5, 1)


async def test_a_delivery_that_times_out_after_the_work_is_not_redone(
    store: Store, clock: ManualClock
) -> None:
    async with pipeline(store, clock, ["tiktok_keyword"]) as p:
        await p.stack.emulator.fault(WEBHOOK, "timeout", count=1)

        job = await p.run("tiktok", **BAKING)

        assert (job.status, await p.handles(job.id)) == (JobStatus.COMPLETED, BAKING_HANDLES)
        # Step 0 was delivered again (QStash saw a timeout) and answered 200 without work.
        assert [status for step, status in step_deliveries(p) if step == 0] == [0, 200]


async def test_a_stale_delivery_after_completion_is_ignored(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        job = await p.run("instagram", username="claybyjune")

        answer = await p.deliver(job.id, 0)

        assert answer == {
            "jobId": str(job.id),
            "step": 0,
            "outcome": "ignored",
            "reason": "job already completed",
        }
        assert await p.job(job.id) == job


# --- ScrapeCreators failures ------------------------------------------------------------------


async def test_503_then_success_completes(sqlite_store: Store, clock: ManualClock) -> None:
    async with pipeline(sqlite_store, clock, ["failure_503_then_success"]) as p:
        job = await p.run("tiktok", keywords=["latte art"], targetResults=100)

        assert (job.status, job.error, job.consecutive_failures) == (JobStatus.COMPLETED, None, 0)
        outcome = OUTCOMES["failure_503_then_success"]
        assert await p.handles(job.id) == list(outcome.handles)
        assert await p.emails(job.id) == outcome.sorted_emails
        assert [step for step, _ in step_deliveries(p)] == [0, 0]


async def test_429_then_success_completes(sqlite_store: Store, clock: ManualClock) -> None:
    async with pipeline(sqlite_store, clock, ["failure_429_then_success"]) as p:
        job = await p.run("youtube", keywords=["trail running"], targetResults=100)

        assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 2)
        assert await p.emails(job.id) == OUTCOMES["failure_429_then_success"].sorted_emails


async def test_a_retry_waits_for_retry_after(sqlite_store: Store, clock: ManualClock) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        await p.mock.fault("/v1/instagram/profile", "rate_limit", retry_after=120)
        job_id = await p.start("instagram", username="claybyjune")
        await p.stack.emulator.drain()
        assert (await p.job(job_id)).consecutive_failures == 1

        await p.stack.emulator.advance(119)
        assert len(step_deliveries(p)) == 1
        await p.stack.emulator.advance(1)

        job = await p.job(job_id)
        assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 5)


async def test_out_of_credits_fails_the_job_and_keeps_earlier_results(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["failure_402_midjob"]) as p:
        job = await p.run("tiktok", keywords=["pottery wheel"], targetResults=100)

        assert job.status is JobStatus.ERROR
        assert job.error is not None
        assert job.error.startswith("ScrapeCreators: out of credits")
        assert "Looks like you're out of credits" in job.error
        outcome = OUTCOMES["failure_402_midjob"]
        assert await p.handles(job.id) == list(outcome.handles)
        assert await p.emails(job.id) == outcome.sorted_emails
        assert [step for step, _ in step_deliveries(p)] == [0, 1]  # no retry


async def test_a_call_that_outlives_the_client_timeout_is_retried(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(
        sqlite_store, clock, ["failure_timeout"], SCRAPECREATORS_PROFILE_TIMEOUT="0.2"
    ) as p:
        await p.mock.fault("/v1/instagram/profile", "timeout", delay="3s")

        job = await p.run("instagram", username="quiet_kiln_studio")

        assert (job.status, job.error) == (JobStatus.COMPLETED, None)
        assert await p.handles(job.id) == list(OUTCOMES["failure_timeout"].handles)


async def test_too_many_failures_in_a_row_fail_the_job(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, allow_unplayed=True) as p:
        await p.configure(retries__max_consecutive_failures=3)
        await p.mock.fault("/v1/instagram/profile", "unavailable", count=10)

        job = await p.run("instagram", username="claybyjune")

        assert job.status is JobStatus.ERROR
        assert job.error is not None
        assert job.error.endswith("(gave up after 3 attempts)")
        assert "503" in job.error
        assert await paths(p) == ["/v1/instagram/profile"] * 3


def test_backoff_doubles_up_to_the_cap_and_never_undercuts_retry_after() -> None:
    delays = [backoff_seconds(n, base=5, cap=60, retry_after=None) for n in range(1, 6)]

    assert delays == [5, 10, 20, 40, 60]
    assert backoff_seconds(1, base=5, cap=60, retry_after=90) == 90
    assert backoff_seconds(3, base=5, cap=60, retry_after=1) == 20


def test_a_retry_after_beyond_what_qstash_accepts_waits_the_longest_delay_it_accepts() -> None:
    week = 7 * 86400
    assert backoff_seconds(1, base=5, cap=60, retry_after=99_999_999_999) == week
    assert backoff_seconds(1, base=5, cap=60, retry_after=week - 1) == week - 1


# --- QStash failure callback and timeouts ------------------------------------------------------


async def test_the_failure_callback_fails_the_job_with_the_reason(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock) as p:
        await p.stack.emulator.fault(WEBHOOK, "status", count=10, status=500)

        job = await p.run("instagram", username="claybyjune")

        assert job.status is JobStatus.ERROR
        assert job.error == (
            "QStash gave up delivering step 0: last attempt answered 500: injected fault"
        )


async def test_a_failure_callback_for_a_step_already_done_changes_nothing(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        job = await p.run("instagram", username="claybyjune")

        response = await p.post_signed("/api/qstash/failure", _callback(str(job.id), 0))

        assert response.status == 200
        assert (await response.json())["failed"] is False
        assert await p.job(job.id) == job


def _b64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"status": 500}, "sourceBody: Field required"),
        ({"sourceBody": "%%%"}, "sourceBody: must be base64"),
        ({"sourceBody": 5}, "sourceBody: Input should be a valid string"),
        ({"sourceBody": "e30="}, "jobId: Field required"),  # {}
        ({"sourceBody": _b64(b"\xff\xfe\x00garbage")}, "sourceBody: must be valid JSON ("),
        ({"sourceBody": _b64("[" * 1000 + "]" * 1000)}, "sourceBody: nested deeper than 32"),
        ({"sourceBody": _b64('{"a":' * 1000 + "1" + "}" * 1000)}, "sourceBody: nested deeper"),
        ({"sourceBody": _b64(json.dumps({"jobId": str(uuid4()), "step": 2**63}))}, "step: "),
        ({"sourceBody": _b64(json.dumps({"jobId": str(uuid4()), "step": 0}))}, "job not found"),
        (["not", "an", "object"], "body: must be a JSON object"),
    ],
)
async def test_a_failure_callback_that_can_never_succeed_is_never_retried(
    sqlite_store: Store, clock: ManualClock, payload: Any, reason: str
) -> None:
    async with pipeline(sqlite_store, clock) as p:
        response = await p.post_signed("/api/qstash/failure", payload)

        assert (response.status, response.headers["Upstash-NonRetryable-Error"]) == (489, "true")
        assert (await response.json())["error"].startswith(reason)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("body", "%%%", "body: must be base64"),
        ("body", {"a": 1}, "body: Input should be a valid string"),
        ("status", "500", "status: Input should be a valid integer"),
        ("status", 10**30, "status: Input should be less than or equal to 999"),
    ],
)
async def test_a_failure_callback_with_a_bad_field_leaves_the_job_alone(
    sqlite_store: Store, clock: ManualClock, field: str, value: Any, reason: str
) -> None:
    async with pipeline(sqlite_store, clock) as p:
        job_id = await p.start("instagram", username="claybyjune")
        before = await p.job(job_id)

        payload = {**_callback(str(job_id), 0), field: value}
        response = await p.post_signed("/api/qstash/failure", payload)

        assert (response.status, await response.json()) == (489, {"error": reason})
        assert await p.job(job_id) == before


async def test_control_bytes_in_the_last_answer_are_kept_out_of_the_job_row(
    store: Store, clock: ManualClock
) -> None:
    # PostgreSQL cannot store NUL in text: the callback used to answer 500 there, forever.
    async with pipeline(store, clock) as p:
        job_id = await p.start("instagram", username="claybyjune")
        payload = {**_callback(str(job_id), 0), "body": _b64(b"bad\x00gate\x1bway\xff")}

        response = await p.post_signed("/api/qstash/failure", payload)

        assert response.status == 200, await response.text()
        job = await p.job(job_id)
        assert job.error == (
            "QStash gave up delivering step 0: last attempt answered 500: "
            "bad\ufffdgate\ufffdway\ufffd"
        )


def _callback(job_id: str, step: int) -> dict[str, Any]:
    source = json.dumps({"jobId": job_id, "step": step}).encode()
    return {
        "status": 500,
        "body": base64.b64encode(b"boom").decode(),
        "sourceBody": base64.b64encode(source).decode(),
        "sourceMessageId": "msg_1",
    }


async def test_an_overdue_job_times_out_on_its_next_delivery(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock) as p:
        job_id = await p.start("tiktok", **BAKING)
        clock.advance(61 * 60)

        await p.stack.emulator.drain()

        job = await p.job(job_id)
        assert (job.status, job.error) == (JobStatus.TIMEOUT, "Job exceeded maximum allowed time")
        assert await paths(p) == []


async def test_every_step_is_logged_with_job_message_step_and_duration(
    sqlite_store: Store, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.jobs.lifecycle")
    async with pipeline(sqlite_store, clock, ["youtube_keyword"]) as p:
        job = await p.run("youtube", keywords=["sourdough", "starter"], targetResults=100)

    steps = [
        record_fields(record) for record in caplog.records if record.getMessage() == "step_finished"
    ]
    message_ids = [d["messageId"] for d in p.stack.emulator.deliveries()]
    assert [(s["job_id"], s["step"], s["outcome"]) for s in steps] == [
        (str(job.id), 0, "committed"),
        (str(job.id), 1, "completed"),
    ]
    assert [s["message_id"] for s in steps] == message_ids
    assert all(s["duration_ms"] >= 0 for s in steps)
