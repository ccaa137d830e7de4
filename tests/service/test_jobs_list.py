"""GET /api/jobs: the caller's jobs only, newest first, filtered, in keyset pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import pytest

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.conftest import ServiceStack, service_stack

ITEM_FIELDS = {
    "id",
    "kind",
    "platform",
    "status",
    "progress",
    "processedResults",
    "targetResults",
    "campaignId",
    "keywords",
    "targetUsername",
    "createdAt",
    "startedAt",
    "completedAt",
    "updatedAt",
    "error",
}


@pytest.fixture
async def stack(store: Store, clock: ManualClock) -> AsyncIterator[ServiceStack]:
    async with service_stack(store, clock) as running:
        yield running


async def create(
    stack: ServiceStack, campaign: str, route: str = "tiktok", user: str = "user-1"
) -> str:
    body: dict[str, Any] = (
        {"keywords": ["bread"], "targetResults": 50}
        if route in ("tiktok", "youtube")
        else {"username": "sundaysourdough"}
    )
    response = await stack.client.post(
        f"/api/scraping/{route}", json={**body, "campaignId": campaign}, headers=stack.auth(user)
    )
    assert response.status == 200, await response.text()
    job_id: str = (await response.json())["jobId"]
    return job_id


async def listing(stack: ServiceStack, query: str = "", user: str = "user-1") -> tuple[int, Any]:
    response = await stack.client.get(f"/api/jobs{query}", headers=stack.auth(user))
    return response.status, await response.json()


async def all_pages(stack: ServiceStack, query: str) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = ""
    while True:
        code, body = await listing(stack, f"?{query}{cursor}")
        assert code == 200, body
        pages.append([job["id"] for job in body["jobs"]])
        if body["nextCursor"] is None:
            return pages
        cursor = f"&cursor={body['nextCursor']}"


async def test_jobs_are_listed_newest_first_with_their_state(
    stack: ServiceStack, clock: ManualClock
) -> None:
    campaign = await stack.campaign()
    older = await create(stack, campaign)
    clock.advance(60)
    newer = await create(stack, campaign, "instagram")

    code, body = await listing(stack)

    assert code == 200
    assert [job["id"] for job in body["jobs"]] == [newer, older]
    assert body["nextCursor"] is None
    first = body["jobs"][0]
    assert set(first) == ITEM_FIELDS
    assert (first["kind"], first["platform"], first["status"]) == (
        "instagram_similar",
        "Instagram",
        "pending",
    )
    assert (first["campaignId"], first["targetUsername"], first["keywords"]) == (
        campaign,
        "sundaysourdough",
        None,
    )
    assert (first["progress"], first["processedResults"], first["startedAt"]) == (0, 0, None)
    assert body["jobs"][1]["keywords"] == ["bread"]
    assert body["jobs"][1]["targetResults"] == 50


async def test_pages_follow_each_other_without_gaps_or_repeats(
    stack: ServiceStack, clock: ManualClock
) -> None:
    campaign = await stack.campaign()
    created = []
    for n in range(7):
        created.append((clock.now(), UUID(await create(stack, campaign))))
        if n % 3 == 0:  # most jobs share a creation time with others: the id breaks the tie
            clock.advance(1)
    newest_first = [str(job_id) for _, job_id in sorted(created, reverse=True)]

    pages = await all_pages(stack, "limit=3")

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [job for page in pages for job in page] == newest_first


async def test_a_page_that_ends_exactly_on_the_last_job_has_no_next_cursor(
    stack: ServiceStack,
) -> None:
    campaign = await stack.campaign()
    for _ in range(4):
        await create(stack, campaign)

    assert [len(page) for page in await all_pages(stack, "limit=2")] == [2, 2]
    assert [len(page) for page in await all_pages(stack, "")] == [4]


async def test_only_the_callers_jobs_are_listed(stack: ServiceStack) -> None:
    mine = await create(stack, await stack.campaign())
    theirs = await create(stack, await stack.campaign("user-2"), user="user-2")

    assert [job["id"] for job in (await listing(stack))[1]["jobs"]] == [mine]
    assert [job["id"] for job in (await listing(stack, user="user-2"))[1]["jobs"]] == [theirs]
    assert (await listing(stack, user="user-3"))[1] == {"jobs": [], "nextCursor": None}


async def test_filters_by_campaign_status_and_kind(stack: ServiceStack) -> None:
    spring, autumn = await stack.campaign(), await stack.campaign()
    tiktok = await create(stack, spring)
    youtube = await create(stack, spring, "youtube")
    other = await create(stack, autumn)
    await stack.store.mark_status(UUID(youtube), JobStatus.ERROR, error="failed")

    async def ids(query: str) -> set[str]:
        code, body = await listing(stack, query)
        assert code == 200, body
        return {job["id"] for job in body["jobs"]}

    assert await ids(f"?campaignId={spring}") == {tiktok, youtube}
    assert await ids("?status=pending") == {tiktok, other}
    assert await ids("?kind=youtube_keyword") == {youtube}
    assert await ids(f"?campaignId={spring}&status=pending&kind=tiktok_keyword") == {tiktok}
    assert await ids("?status=cancelled") == set()


async def test_a_cancelled_job_is_listed_as_cancelled(stack: ServiceStack) -> None:
    job_id = await create(stack, await stack.campaign())
    response = await stack.client.post(f"/api/jobs/{job_id}/cancel", headers=stack.auth())
    assert response.status == 200

    code, body = await listing(stack, "?status=cancelled")

    assert code == 200
    assert [(job["id"], job["status"]) for job in body["jobs"]] == [(job_id, "cancelled")]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("status=done", "status: Input should be 'pending', 'processing', 'completed', 'error', "),
        ("kind=tiktok", "kind: Input should be 'tiktok_keyword', "),
        ("limit=0", "limit: Input should be greater than or equal to 1"),
        ("limit=101", "limit: Input should be less than or equal to 100"),
        ("limit=ten", "limit: must be an integer"),
        ("campaignId=42", "campaignId: must be a UUID"),
        ("cursor=abc", "cursor: must be a nextCursor this API returned"),
        ("cursor=" + "G" * 48, "cursor: must be a nextCursor this API returned"),
    ],
)
async def test_bad_parameters_are_a_400_naming_them(
    stack: ServiceStack, query: str, error: str
) -> None:
    code, body = await listing(stack, f"?{query}")

    assert code == 400
    assert body["error"].startswith(error), body


async def test_any_well_formed_cursor_is_a_page_even_beyond_all_time(stack: ServiceStack) -> None:
    job_id = await create(stack, await stack.campaign())

    # After a moment past the last representable one: every job; after 1970: none.
    code, body = await listing(stack, "?cursor=" + "f" * 48)
    assert (code, [job["id"] for job in body["jobs"]]) == (200, [job_id])
    assert await listing(stack, "?cursor=" + "0" * 48) == (200, {"jobs": [], "nextCursor": None})
