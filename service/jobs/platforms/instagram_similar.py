"""Instagram similar job: the target's related profiles, in one profile call."""

from __future__ import annotations

from service.jobs.creator import Creator
from service.jobs.enums import Platform
from service.jobs.platforms.base import JobFailed, StepContext, StepResult, keyed
from service.scrapecreators.models import InstagramRelated


def _creator(node: InstagramRelated, target: str) -> Creator:
    return Creator.by_handle(
        Platform.INSTAGRAM,
        node.username,
        name=node.full_name,
        avatar_url=node.profile_pic_url,
        external_id=node.id,
        verified=node.is_verified,
        is_private=node.is_private,
        search_keyword=target,
    )


async def run(ctx: StepContext) -> StepResult:
    target = ctx.job.target_username or ""
    profile = await ctx.api.instagram_profile(target)
    if profile.user is None:
        raise JobFailed(f"Instagram profile @{target} not found")
    # An empty or missing related list is a valid, empty result (the original failed it).
    creators = [
        keyed(f"instagram:{node.id or node.username}", _creator(node, target))
        for node in profile.related()
        if node.username and node.username.lower() != target.lower()
    ]
    return StepResult(
        done=True,
        progress=100.0,
        creators=creators[: ctx.job.target_results],
        details={"related": len(creators)},
    )
