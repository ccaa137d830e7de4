"""Campaign handlers: create, list, and one campaign with its jobs (scoped to the caller)."""

from __future__ import annotations

from aiohttp import web

from service.api.models import (
    CampaignCreate,
    CampaignList,
    CampaignOut,
    CampaignWithJobs,
    JobSummary,
)
from service.api.requests import current_user, json_body, path_id
from service.errors import NotFound
from service.keys import PARTS
from service.store import Campaign, Job


def campaign_out(campaign: Campaign) -> CampaignOut:
    return CampaignOut.model_validate(campaign, from_attributes=True)


def job_summary(job: Job) -> JobSummary:
    return JobSummary.model_validate(job, from_attributes=True)


def _json(model: CampaignOut | CampaignList | CampaignWithJobs, status: int = 200) -> web.Response:
    return web.json_response(model.model_dump(mode="json", by_alias=True), status=status)


async def create_campaign(request: web.Request) -> web.Response:
    user = await current_user(request)
    body = await json_body(request, CampaignCreate)
    campaign = await request.app[PARTS].store.create_campaign(
        user.user_id, name=body.name, description=body.description, search_type=body.search_type
    )
    return _json(campaign_out(campaign), status=201)


async def list_campaigns(request: web.Request) -> web.Response:
    user = await current_user(request)
    found = await request.app[PARTS].store.list_campaigns(user.user_id)
    return _json(CampaignList(campaigns=[campaign_out(c) for c in found]))


async def get_campaign(request: web.Request) -> web.Response:
    user = await current_user(request)
    store = request.app[PARTS].store
    campaign = await store.get_campaign(user.user_id, path_id(request))
    if campaign is None:
        raise NotFound("campaign not found")
    jobs = await store.list_campaign_jobs(user.user_id, campaign.id)
    out = CampaignWithJobs(
        **campaign_out(campaign).model_dump(), jobs=[job_summary(job) for job in jobs]
    )
    return _json(out)
