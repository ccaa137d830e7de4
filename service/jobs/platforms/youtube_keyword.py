"""YouTube keyword job: one search page per step (continuation token kept), channel details."""

from __future__ import annotations

from service.config.defaults import API_LIMITS, QSTASH_DELAYS
from service.jobs.platforms import youtube_channels as channels
from service.jobs.platforms.base import StepContext, StepResult, keyed, step_progress

MAX_CALLS = API_LIMITS.max_api_calls_youtube
DELAY = QSTASH_DELAYS.youtube_continuation_delay


async def run(ctx: StepContext) -> StepResult:
    job, config = ctx.job, ctx.config
    query = " ".join(job.keywords or [])
    token = job.cursor or None
    page = await ctx.api.youtube_search(query, token)
    items = page.all_items()

    found = channels.channels_of(items)
    known = await ctx.known_keys([channels.channel_key(ref) for ref, _ in found])
    fresh = [(ref, video) for ref, video in found if channels.channel_key(ref) not in known]
    room = max(0, job.target_results - job.processed_results)
    fresh = fresh[:room]  # trim the last batch to the target, before paying for details
    details = await channels.details(ctx, [ref for ref, _ in fresh])
    creators = [
        keyed(channels.channel_key(ref), channels.creator(ref, detail, video, query))
        for (ref, video), detail in zip(fresh, details, strict=True)
    ]

    runs = job.processed_runs + 1
    max_runs = await config.get(MAX_CALLS)
    results = job.processed_results + len(creators)
    next_token = page.continuationToken or None
    done = (
        results >= job.target_results
        or not next_token
        or not items
        or runs >= max_runs
        or next_token == token
    )
    return StepResult(
        done=done,
        progress=step_progress(
            done=done, runs=runs, max_runs=max_runs, results=results, target=job.target_results
        ),
        creators=creators,
        cursor=next_token,
        delay_seconds=await config.get(DELAY),
        details={"items": len(items), "new": len(creators)},
    )
