"""Creating jobs: validation, ownership, idempotency, and the first step queued on QStash."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from qstash import Receiver

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.conftest import ServiceStack, service_stack


async def create(
    stack: ServiceStack, route: str, body: dict[str, Any], *, user: str = "user-1", **headers: str
) -> tuple[int, dict[str, Any]]:
    response = await stack.client.post(
        f"/api/scraping/{route}", json=body, headers={**stack.auth(user), **headers}
    )
    return response.status, await response.json()


async def test_a_keyword_job_is_queued_signed_for_the_webhook(stack: ServiceStack) -> None:
    campaign = await stack.campaign()

    status, body = await create(
        stack,
        "tiktok",
        {
            "keywords": [" fitness ", "Fitness", "yoga"],
            "campaignId": campaign,
            "targetResults": 100,
        },
    )
    await stack.emulator.drain()

    assert status == 200
    assert body["message"] == "Scraping job started successfully"
    job = await stack.store.get_job(UUID(body["jobId"]))
    assert job is not None
    assert (job.status, job.keywords, job.target_results) == (
        JobStatus.PENDING,
        ["fitness", "yoga"],
        100,
    )
    assert job.qstash_message_id == body["qstashMessageId"]
    [delivery, *_] = stack.emulator.deliveries()  # the webhook is not mounted here: retries follow
    assert delivery["messageId"] == job.qstash_message_id
    assert delivery["url"] == f"{stack.settings.public_base_url}/api/qstash/process-scraping"
    assert json.loads(delivery["body"]) == {"jobId": str(job.id), "step": 0}
    receiver = Receiver(
        current_signing_key=stack.emulator.current_signing_key,
        next_signing_key=stack.emulator.next_signing_key,
    )
    receiver.verify(
        signature=delivery["headers"]["Upstash-Signature"],
        body=delivery["body"],
        url=stack.settings.webhook_url,
    )


@pytest.mark.parametrize(
    ("route", "username", "handle", "target", "timeout_minutes"),
    [
        ("tiktok-similar", " @some.creator ", "some.creator", 10, 60),
        ("instagram", "@insta_person", "insta_person", 20, 5),
        ("youtube-similar", "@MrChannel", "MrChannel", 100, 60),
    ],
)
async def test_similar_jobs_take_a_normalised_username(
    stack: ServiceStack, route: str, username: str, handle: str, target: int, timeout_minutes: int
) -> None:
    campaign = await stack.campaign()

    status, body = await create(stack, route, {"username": username, "campaignId": campaign})

    assert status == 200, body
    job = await stack.store.get_job(UUID(body["jobId"]))
    assert job is not None
    assert (job.target_username, job.target_results, job.keywords) == (handle, target, None)
    assert (job.timeout_at - job.created_at).total_seconds() == timeout_minutes * 60


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"keywords": []}, "keywords: must be a non-empty list of strings"),
        ({"keywords": "fitness"}, "keywords: Input should be a valid list"),
        ({"keywords": ["ok", "  "]}, "keywords.1: must not be blank"),
        ({"keywords": ["ok", 3]}, "keywords.1: must be a string"),
        ({"keywords": ["x" * 101]}, "keywords.0: must be at most 100 characters"),
        ({"keywords": [f"k{i}" for i in range(11)]}, "keywords: at most 10 keywords"),
        ({"keywords": ["a"], "targetResults": 1001}, "targetResults: must be between 1 and 1000"),
        (
            {"keywords": ["a"], "targetResults": 0},
            "targetResults: must be between 1 and 1000",
        ),
        (
            {"keywords": ["a"], "targetResults": "100"},
            "targetResults: Input should be a valid integer",
        ),
        ({"keywords": ["a"], "campaignId": "nope"}, "campaignId: must be a UUID"),
    ],
)
async def test_bad_keyword_requests_name_the_field(
    stack: ServiceStack, body: dict[str, Any], error: str
) -> None:
    campaign = await stack.campaign()

    status, answer = await create(stack, "youtube", {"campaignId": campaign, **body})

    assert status == 400
    assert answer["error"].startswith(error), answer


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "username: Field required"),
        ({"username": " @ "}, "username: must not be blank"),
        ({"username": "bad/handle"}, "username: 'bad/handle' is not a valid TikTok handle"),
    ],
)
async def test_bad_similar_requests_name_the_field(
    stack: ServiceStack, body: dict[str, Any], error: str
) -> None:
    campaign = await stack.campaign()

    status, answer = await create(stack, "tiktok-similar", {"campaignId": campaign, **body})

    assert (status, answer["error"]) == (400, error)


async def test_a_body_that_is_not_json_is_a_400(stack: ServiceStack) -> None:
    headers = {**stack.auth(), "Content-Type": "application/json"}
    response = await stack.client.post("/api/scraping/tiktok", data=b"{oops", headers=headers)
    assert response.status == 400
    assert (await response.json())["error"].startswith("body: must be valid JSON (")


async def test_a_body_sent_as_another_media_type_is_a_415(stack: ServiceStack) -> None:
    campaign = await stack.campaign()
    body = json.dumps({"keywords": ["a"], "campaignId": campaign})
    headers = {**stack.auth(), "Content-Type": "text/plain"}

    response = await stack.client.post("/api/scraping/tiktok", data=body, headers=headers)

    assert response.status == 415
    assert await response.json() == {
        "error": "Content-Type: must be application/json, got text/plain"
    }


async def test_someone_elses_campaign_is_not_found(stack: ServiceStack) -> None:
    campaign = await stack.campaign("alice")

    status, body = await create(
        stack, "tiktok", {"keywords": ["a"], "campaignId": campaign}, user="mallory"
    )

    assert (status, body) == (404, {"error": "campaign not found"})
    assert stack.emulator.deliveries() == []


async def test_an_idempotency_key_returns_the_same_job(stack: ServiceStack) -> None:
    campaign = await stack.campaign()
    request = {"keywords": ["a"], "campaignId": campaign}

    first = await create(stack, "tiktok", request, **{"Idempotency-Key": "abc"})
    second = await create(stack, "tiktok", request, **{"Idempotency-Key": "abc"})
    third = await create(stack, "tiktok", request, **{"Idempotency-Key": "other"})

    assert first[1]["jobId"] == second[1]["jobId"] != third[1]["jobId"]
    assert second[1]["qstashMessageId"] == first[1]["qstashMessageId"]


async def test_configured_limits_apply_at_once(stack: ServiceStack) -> None:
    campaign = await stack.campaign()
    put = await stack.client.put(
        "/api/admin/config", json={"limits.target_results_max": 50}, headers=stack.auth("admin")
    )
    assert put.status == 200

    status, body = await create(
        stack, "tiktok", {"keywords": ["a"], "campaignId": campaign, "targetResults": 51}
    )

    assert (status, body) == (400, {"error": "targetResults: must be between 1 and 50"})


@pytest.mark.parametrize(
    ("route", "body", "limits", "target"),
    [
        ("tiktok", {"keywords": ["a"]}, {"limits.target_results_max": 50}, 50),
        ("tiktok", {"keywords": ["a"]}, {}, 1000),
        ("tiktok-similar", {"username": "someone"}, {"limits.target_results_min": 40}, 40),
        ("instagram", {"username": "someone"}, {"limits.target_results_max": 15}, 15),
    ],
)
async def test_an_omitted_target_is_the_default_kept_inside_the_configured_limits(
    stack: ServiceStack, route: str, body: dict[str, Any], limits: dict[str, int], target: int
) -> None:
    # The document calls targetResults optional: leaving it out is never a 400.
    campaign = await stack.campaign()
    if limits:
        put = await stack.client.put("/api/admin/config", json=limits, headers=stack.auth("admin"))
        assert put.status == 200, await put.text()

    status, answer = await create(stack, route, {**body, "campaignId": campaign})

    assert status == 200, answer
    job = await stack.store.get_job(UUID(answer["jobId"]))
    assert job is not None
    assert job.target_results == target


async def test_when_qstash_refuses_the_job_errors_and_the_caller_hears(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with service_stack(sqlite_store, clock, publish_token="wrong-token") as stack:
        campaign = await stack.campaign()

        status, body = await create(stack, "tiktok", {"keywords": ["a"], "campaignId": campaign})

        assert status == 502
        assert body["error"].startswith("could not queue the job: ")
        [job] = await sqlite_store.list_campaign_jobs("user-1", UUID(campaign))
        assert (job.status, job.error) == (JobStatus.ERROR, body["error"])
        assert job.completed_at == clock.now()
