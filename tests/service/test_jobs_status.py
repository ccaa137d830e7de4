"""Job status: progress and paged results for the owner; overdue jobs time out when read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from service.jobs.enums import JobStatus
from service.store import KeyedCreator, StepChanges
from tests.service.conftest import ServiceStack


async def start_job(stack: ServiceStack, route: str = "tiktok") -> UUID:
    campaign = await stack.campaign()
    response = await stack.client.post(
        f"/api/scraping/{route}",
        json={"keywords": ["fitness"], "campaignId": campaign, "targetResults": 100},
        headers=stack.auth(),
    )
    assert response.status == 200, await response.text()
    return UUID((await response.json())["jobId"])


def creator(handle: str, **extra: Any) -> KeyedCreator:
    return KeyedCreator(handle, {"platform": "TikTok", "handle": handle, **extra})


async def status(stack: ServiceStack, job_id: UUID, query: str = "", user: str = "user-1") -> Any:
    response = await stack.client.get(
        f"/api/scraping/tiktok?jobId={job_id}{query}", headers=stack.auth(user)
    )
    return response.status, await response.json()


async def test_the_owner_sees_progress_and_paged_results(stack: ServiceStack) -> None:
    job_id = await start_job(stack)
    await stack.store.commit_step(
        job_id,
        0,
        creators=[creator(f"c{i}") for i in range(5)],
        updates=StepChanges(status=JobStatus.PROCESSING, add_runs=1, progress=9.5),
    )

    code, body = await status(stack, job_id, "&offset=1&limit=2")

    assert code == 200
    assert (body["status"], body["processedResults"], body["targetResults"]) == (
        "processing",
        5,
        100,
    )
    assert (body["progress"], body["processedRuns"], body["error"]) == (9.5, 1, None)
    assert (body["totalResults"], body["offset"], body["limit"]) == (5, 1, 2)
    assert [r["handle"] for r in body["results"]] == ["c1", "c2"]


async def test_another_users_job_is_not_found(stack: ServiceStack) -> None:
    job_id = await start_job(stack)

    assert await status(stack, job_id, user="someone-else") == (404, {"error": "job not found"})


async def test_a_missing_or_malformed_job_id_is_a_400(stack: ServiceStack) -> None:
    missing = await stack.client.get("/api/scraping/youtube", headers=stack.auth())
    malformed = await stack.client.get("/api/scraping/youtube?jobId=42", headers=stack.auth())

    assert (missing.status, await missing.json()) == (400, {"error": "jobId: Field required"})
    assert (malformed.status, await malformed.json()) == (400, {"error": "jobId: must be a UUID"})


async def test_bad_paging_names_the_parameter(stack: ServiceStack) -> None:
    job_id = await start_job(stack)

    assert await status(stack, job_id, "&limit=0") == (
        400,
        {"error": "limit: Input should be greater than or equal to 1"},
    )
    assert await status(stack, job_id, "&offset=x") == (
        400,
        {"error": "offset: must be an integer"},
    )


async def test_an_overdue_job_is_timed_out_when_read(stack: ServiceStack) -> None:
    job_id = await start_job(stack)
    stack.clock.advance(59 * 60)
    assert (await status(stack, job_id))[1]["status"] == "pending"

    stack.clock.advance(60)
    code, body = await status(stack, job_id)

    assert code == 200
    assert (body["status"], body["error"]) == ("timeout", "Job exceeded maximum allowed time")
    job = await stack.store.get_job(job_id)
    assert job is not None
    assert job.status is JobStatus.TIMEOUT


async def test_a_finished_job_is_not_timed_out_later(stack: ServiceStack) -> None:
    job_id = await start_job(stack)
    await stack.store.commit_step(job_id, 0, updates=StepChanges(status=JobStatus.COMPLETED))
    stack.clock.advance(24 * 3600)

    assert (await status(stack, job_id))[1]["status"] == "completed"


async def test_results_export_as_csv(stack: ServiceStack) -> None:
    job_id = await start_job(stack)
    await stack.store.commit_step(
        job_id,
        0,
        creators=[
            creator("anna", name="Anna", followers=1200, emails=["a@x.io", "b@x.io"], bio="hi"),
            creator("eve", name="=HYPERLINK()", profileUrl="https://www.tiktok.com/@eve"),
        ],
    )

    response = await stack.client.get(f"/api/jobs/{job_id}/results.csv", headers=stack.auth())
    other = await stack.client.get(f"/api/jobs/{job_id}/results.csv", headers=stack.auth("bob"))

    assert response.status == 200
    assert response.content_type == "text/csv"
    lines = (await response.text()).splitlines()
    assert lines[0].startswith("name,handle,platform,followers,emails,bio,profile_url")
    assert lines[1].startswith("Anna,anna,TikTok,1200,a@x.io; b@x.io,hi,")
    assert lines[2].startswith("'=HYPERLINK(),eve,TikTok,,,,https://www.tiktok.com/@eve")
    assert other.status == 404
