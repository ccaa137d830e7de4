"""The signed webhook's front door: signatures, bodies, unknown, final and stale jobs.

A delivery refused for its signature is 401 (QStash retries; a key may be rotating); one
refused for what it says can never succeed and is QStash's non-retryable 489."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from uuid import uuid4

import jwt
import pytest
from aiohttp import ClientResponse
from qstash import AsyncQStash

from service.api.json_input import MAX_DEPTH
from service.clock import ManualClock
from service.jobs.enums import JobKind, JobStatus
from service.jobs.lifecycle import STEPS
from service.jobs.platforms.base import StepContext, StepResult
from service.keys import PARTS
from service.logs import record_fields
from service.qstash.publisher import close_qstash
from service.qstash.webhook import MAX_STEP
from service.store import Store
from tests.service.pipeline import Pipeline, pipeline, signature

WEBHOOK = "/api/qstash/process-scraping"
WRONG_KEY = "sig_" + "w" * 28  # as long as a real key: PyJWT warns about short ones


@pytest.fixture
async def idle(sqlite_store: Store, clock: ManualClock) -> AsyncIterator[Pipeline]:
    """The pipeline with no cassette: these deliveries must never reach ScrapeCreators."""
    async with pipeline(sqlite_store, clock) as running:
        yield running


def _refusals(p: Pipeline, reason: str) -> float:
    value = p.stack.app[PARTS].metrics.signature_failures.labels(reason=reason)._value.get()
    return float(value)


async def test_a_missing_signature_is_401_and_counted(idle: Pipeline) -> None:
    response = await idle.stack.client.post(WEBHOOK, json={"jobId": str(uuid4()), "step": 0})

    assert response.status == 401
    assert "Upstash-Signature" in (await response.json())["error"]
    assert _refusals(idle, "missing") == 1


def _none_token(url: str, body: str) -> str:
    good = signature(WRONG_KEY, url, body)
    payload = jwt.decode(good, options={"verify_signature": False})
    return jwt.encode(payload, key=None, algorithm="none")  # type: ignore[arg-type]


BODY = json.dumps({"jobId": "00000000-0000-0000-0000-000000000001", "step": 0})


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda p: "not-a-jwt", id="malformed"),
        pytest.param(lambda p: signature(WRONG_KEY, p.url(WEBHOOK), BODY), id="wrong-key"),
        pytest.param(
            lambda p: signature(
                p.stack.emulator.current_signing_key, p.url(WEBHOOK), BODY, now=time.time() - 600
            ),
            id="expired",
        ),
        pytest.param(
            lambda p: signature(p.stack.emulator.current_signing_key, p.url(WEBHOOK), "{}"),
            id="tampered-body",
        ),
        pytest.param(
            lambda p: signature(
                p.stack.emulator.current_signing_key, "http://evil.example/api/qstash/x", BODY
            ),
            id="wrong-url",
        ),
        pytest.param(lambda p: _none_token(p.url(WEBHOOK), BODY), id="alg-none"),
        pytest.param(
            lambda p: signature(
                p.stack.emulator.current_signing_key, p.url(WEBHOOK), BODY, claims={"body": None}
            ),
            id="no-body-claim",
        ),
    ],
)
async def test_every_forged_signature_is_401(idle: Pipeline, forge: object) -> None:
    token = forge(idle)  # type: ignore[operator]

    response = await idle.post_signed(WEBHOOK, BODY, token=token)

    assert response.status == 401
    assert (await response.json()) == {"error": "invalid QStash signature"}
    assert _refusals(idle, "invalid") == 1


async def test_the_host_header_does_not_choose_the_url_checked(idle: Pipeline) -> None:
    forged_url = "http://attacker.example/api/qstash/process-scraping"
    token = signature(idle.stack.emulator.current_signing_key, forged_url, BODY)

    response = await idle.post_signed(
        WEBHOOK, BODY, token=token, headers={"Host": "attacker.example"}
    )

    assert response.status == 401


async def test_a_token_signed_with_the_next_key_is_accepted(idle: Pipeline) -> None:
    # After QStash rotates, it signs with what the service knows as the next key.
    response = await idle.post_signed(WEBHOOK, BODY, key=idle.stack.emulator.next_signing_key)

    assert await refused(response) == "job not found"  # verified; the job just does not exist


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


async def refused(response: ClientResponse) -> str:
    """The reason of a non-retryable answer, after checking its QStash-mandated shape."""
    assert response.status == 489, await response.text()
    assert response.headers["Upstash-NonRetryable-Error"] == "true"
    body = await response.json()
    assert list(body) == ["error"]
    reason: str = body["error"]
    return reason


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ("", "body"),
        ("[1, 2]", "body"),
        ("null", "body"),
        (json.dumps({"step": 0}), "jobId"),
        (json.dumps({"jobId": "nope", "step": 0}), "jobId"),
        (json.dumps({"jobId": str(uuid4())}), "step"),
        (json.dumps({"jobId": str(uuid4()), "step": -1}), "step"),
        (json.dumps({"jobId": str(uuid4()), "step": "1"}), "step"),
        (json.dumps({"jobId": str(uuid4()), "step": 1.0}), "step"),
        (json.dumps({"jobId": str(uuid4()), "step": True}), "step"),
        (f'{{"jobId": "{uuid4()}", "step": 1e309}}', "step"),
        (f'{{"jobId": "{uuid4()}", "step": 1{"0" * 5000}}}', "body"),
        (f'{{"jobId": "{uuid4()}", "step": NaN}}', "body"),
        ('{"jobId": "\\ud800", "step": 0}', "body"),
    ],
)
async def test_a_body_that_is_not_a_step_message_is_never_retried(
    idle: Pipeline, body: str, field: str
) -> None:
    response = await idle.post_signed(WEBHOOK, body)

    assert (await refused(response)).startswith(f"{field}:")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(deep(1000), id="array-1000"),
        pytest.param('{"a":' * 1000 + "1" + "}" * 1000, id="object-1000"),
        pytest.param(deep(100_000), id="array-100000"),
        pytest.param(f'{{"jobId": "{uuid4()}", "step": 0, "x": {deep(1000)}}}', id="in-a-field"),
        pytest.param(f'{{"jobId": "{uuid4()}", "step": 0, "x": {deep(40)}}}', id="40-in-a-field"),
    ],
)
async def test_a_deeply_nested_body_is_refused_naming_the_body(idle: Pipeline, body: str) -> None:
    response = await idle.post_signed(WEBHOOK, body)

    assert await refused(response) == f"body: nested deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize("step", [2**31, 2**63, 10**30])
async def test_a_step_too_large_for_any_job_is_refused(idle: Pipeline, step: int) -> None:
    job_id = await idle.start("instagram", username="claybyjune")
    before = await idle.job(job_id)

    response = await idle.post_signed(WEBHOOK, {"jobId": str(job_id), "step": step})

    assert await refused(response) == f"step: Input should be less than or equal to {MAX_STEP}"
    assert await idle.job(job_id) == before


async def test_an_unknown_job_is_never_retried_and_says_why_in_the_log(
    idle: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="service.qstash.webhook")

    response = await idle.post_signed(
        WEBHOOK, {"jobId": str(uuid4()), "step": 0}, headers={"Upstash-Message-Id": "msg_x"}
    )

    assert await refused(response) == "job not found"
    [entry] = [record_fields(r) for r in caplog.records if r.getMessage() == "delivery_refused"]
    assert (entry["reason"], entry["message_id"], entry["path"]) == (
        "job not found",
        "msg_x",
        WEBHOOK,
    )


async def test_an_unknown_job_is_attempted_once_then_dead_lettered(idle: Pipeline) -> None:
    """With the emulator: QStash honours the 489 and never retries the message."""
    stack = idle.stack
    message_id = await stack.app[PARTS].publisher.publish_step(uuid4(), 0)

    await stack.emulator.run_until_idle()

    attempts = [d for d in stack.emulator.deliveries() if d["messageId"] == message_id]
    assert [(a["retried"], a["status"]) for a in attempts] == [(0, 489)]
    assert all(d["retried"] == 0 for d in stack.emulator.deliveries())
    client = AsyncQStash(stack.emulator.token, base_url=stack.emulator.url, retry=False)
    try:
        dead = {m.message_id: m for m in (await client.dlq.list()).messages}
    finally:
        await close_qstash(client)
    assert dead[message_id].response_status == 489
    assert dead[message_id].response_body == '{"error": "job not found"}'


@pytest.mark.parametrize("status", [JobStatus.COMPLETED, JobStatus.ERROR, JobStatus.TIMEOUT])
async def test_a_final_job_is_left_alone(idle: Pipeline, status: JobStatus) -> None:
    job_id = await idle.start("instagram", username="claybyjune")
    await idle.store.mark_status(job_id, status, error="was final")
    before = await idle.job(job_id)

    answer = await idle.deliver(job_id, 0)

    assert answer["outcome"] == "ignored"
    assert await idle.job(job_id) == before


async def test_a_stale_step_is_left_alone(idle: Pipeline) -> None:
    job_id = await idle.start("instagram", username="claybyjune")
    before = await idle.job(job_id)

    answer = await idle.deliver(job_id, 3)

    assert (answer["outcome"], answer["reason"]) == (
        "ignored",
        "stale delivery: the job is at step 0",
    )
    assert await idle.job(job_id) == before


async def test_after_qstash_rotates_its_keys_deliveries_still_verify(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        emulator = p.stack.emulator
        client = AsyncQStash(emulator.token, base_url=emulator.url, retry=False)
        try:
            await client.signing_key.rotate()  # QStash now signs with the service's next key
        finally:
            await close_qstash(client)

        job = await p.run("instagram", username="claybyjune")

        assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 5)
        assert _refusals(p, "invalid") == 0


async def test_an_unexpected_failure_is_500_and_the_step_can_run_again(
    sqlite_store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with pipeline(sqlite_store, clock, ["instagram_similar"]) as p:
        job_id = await p.start("instagram", username="claybyjune")
        real = STEPS[JobKind.INSTAGRAM_SIMILAR]

        async def broken(context: StepContext) -> StepResult:
            raise RuntimeError("database went away")

        monkeypatch.setitem(STEPS, JobKind.INSTAGRAM_SIMILAR, broken)
        response = await p.post_signed(WEBHOOK, {"jobId": str(job_id), "step": 0})
        assert response.status == 500
        assert (await response.json()) == {"error": "internal server error"}
        assert (await p.job(job_id)).step == 0

        monkeypatch.setitem(STEPS, JobKind.INSTAGRAM_SIMILAR, real)
        assert (await p.deliver(job_id, 0))["outcome"] == "completed"
