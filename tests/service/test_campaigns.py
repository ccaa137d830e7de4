"""Campaign API: create, list, fetch with jobs; scoped to the caller."""

from __future__ import annotations

from tests.service.conftest import ServiceStack


async def test_a_campaign_is_created_and_listed(stack: ServiceStack) -> None:
    created = await stack.client.post(
        "/api/campaigns",
        json={"name": "  Spring  ", "description": "launch", "searchType": "similar"},
        headers=stack.auth(),
    )
    body = await created.json()
    listed = await (await stack.client.get("/api/campaigns", headers=stack.auth())).json()

    assert created.status == 201
    assert (body["name"], body["searchType"], body["status"]) == ("Spring", "similar", "draft")
    assert [c["id"] for c in listed["campaigns"]] == [body["id"]]


async def test_another_users_campaign_is_not_found(stack: ServiceStack) -> None:
    campaign_id = await stack.campaign("alice")

    mine = await stack.client.get(f"/api/campaigns/{campaign_id}", headers=stack.auth("alice"))
    theirs = await stack.client.get(f"/api/campaigns/{campaign_id}", headers=stack.auth("bob"))
    listed = await (await stack.client.get("/api/campaigns", headers=stack.auth("bob"))).json()

    assert mine.status == 200
    assert (await mine.json())["jobs"] == []
    assert theirs.status == 404
    assert await theirs.json() == {"error": "campaign not found"}
    assert listed == {"campaigns": []}


async def test_a_malformed_campaign_id_is_not_found(stack: ServiceStack) -> None:
    response = await stack.client.get("/api/campaigns/not-a-uuid", headers=stack.auth())
    assert response.status == 404


async def test_a_blank_name_is_rejected_by_field(stack: ServiceStack) -> None:
    response = await stack.client.post("/api/campaigns", json={"name": "   "}, headers=stack.auth())
    assert response.status == 400
    assert (await response.json())["error"].startswith("name:")


async def test_campaigns_need_a_caller(stack: ServiceStack) -> None:
    response = await stack.client.get("/api/campaigns")
    assert response.status == 401
    assert await response.json() == {"error": "missing Authorization header"}


async def test_a_campaign_lists_its_jobs(stack: ServiceStack) -> None:
    campaign_id = await stack.campaign()
    started = await stack.client.post(
        "/api/scraping/instagram",
        json={"username": "@someone", "campaignId": campaign_id},
        headers=stack.auth(),
    )
    job_id = (await started.json())["jobId"]

    body = await (
        await stack.client.get(f"/api/campaigns/{campaign_id}", headers=stack.auth())
    ).json()

    [job] = body["jobs"]
    assert (job["id"], job["kind"], job["platform"]) == (job_id, "instagram_similar", "Instagram")
    assert (job["targetUsername"], job["targetResults"]) == ("someone", 20)
