"""The signed webhook's front door: signatures, bodies, unknown, final and stale jobs."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from uuid import uuid4

import jwt
import pytest
from qstash import AsyncQStash

from service.clock import ManualClock
from service.enums import JobKind, JobStatus
from service.keys import METRICS
from service.lifecycle import STEPS
from service.platforms.base import StepContext, StepResult
from service.publisher import close_qstash
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
    value = p.stack.app[METRICS].signature_failures.labels(reason=reason)._value.get()
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

    assert response.status == 404  # verified; the job just does not exist


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ("[1, 2]", "body"),
        (json.dumps({"step": 0}), "jobId"),
        (json.dumps({"jobId": "nope", "step": 0}), "jobId"),
        (json.dumps({"jobId": str(uuid4())}), "step"),
        (json.dumps({"jobId": str(uuid4()), "step": -1}), "step"),
        (json.dumps({"jobId": str(uuid4()), "step": "1"}), "step"),
    ],
)
async def test_a_malformed_body_is_400_naming_the_field(
    idle: Pipeline, body: str, field: str
) -> None:
    response = await idle.post_signed(WEBHOOK, body)

    assert response.status == 400
    assert (await response.json())["error"].startswith(f"{field}:")


async def test_an_unknown_job_is_404(idle: Pipeline) -> None:
    response = await idle.post_signed(WEBHOOK, {"jobId": str(uuid4()), "step": 0})

    assert response.status == 404
    assert (await response.json()) == {"error": "job not found"}


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
