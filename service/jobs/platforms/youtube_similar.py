"""YouTube similar job: target channel → search terms → one search per step → enriched channels."""

from __future__ import annotations

from functools import partial
from typing import Any

from service.config.defaults import API_LIMITS, QSTASH_DELAYS
from service.jobs.emails import unique
from service.jobs.platforms import youtube_channels as channels
from service.jobs.platforms.base import JobFailed, StepContext, StepResult, keyed, target_found
from service.jobs.platforms.similar_search import SimilarSearch
from service.scrapecreators.models import YouTubeChannel, YouTubeChannelRef, YouTubeVideo
from service.store import KeyedCreator

SEARCH = SimilarSearch(
    queries="terms",
    found="channels",
    max_searches=API_LIMITS.max_api_calls_youtube_similar,
    delay=QSTASH_DELAYS.youtube_continuation_delay,
)
ENRICHED = 10


def search_terms(channel: YouTubeChannel) -> list[str]:
    """The channel's tags in order, then its name; lower-cased, unique."""
    name = channel.name.strip().lower()
    return unique([*channel.tag_list(), *([name] if name else [])])


async def _start(ctx: StepContext) -> StepResult:
    target = ctx.job.target_username or ""
    channel = await ctx.api.youtube_channel(target)
    terms = search_terms(channel)
    if not (channel.channelId or channel.name) or not terms:
        raise JobFailed(f"YouTube channel @{target} not found")
    state = {"terms": terms, "searched": 0, "targetId": channel.channelId, "channels": []}
    return target_found(state, {"terms": terms})


def _is_target(ref: YouTubeChannelRef, target: str, target_id: str) -> bool:
    return bool(target_id and ref.id == target_id) or ref.handle.lstrip("@").lower() == target


async def _finish(ctx: StepContext, collected: list[dict[str, Any]]) -> list[KeyedCreator]:
    kept = collected[: ctx.job.target_results]
    refs = [YouTubeChannelRef.model_validate(entry["ref"]) for entry in kept]
    with_handle = [ref for ref in refs if ref.handle][:ENRICHED]
    fetched = dict(
        zip(
            (channels.channel_key(ref) for ref in with_handle),
            await channels.details(ctx, with_handle),
            strict=True,
        )
    )
    return [
        keyed(
            entry["key"],
            channels.creator(
                ref,
                fetched.get(entry["key"]),
                YouTubeVideo.model_validate(entry["video"]),
                entry["term"],
            ),
        )
        for entry, ref in zip(kept, refs, strict=True)
    ]


async def _search(ctx: StepContext, state: dict[str, Any]) -> StepResult:
    term, collected = SEARCH.next_round(state)
    seen = {entry["key"] for entry in collected}
    target = (ctx.job.target_username or "").lstrip("@").lower()

    page = await ctx.api.youtube_search(term, None)
    for ref, video in channels.channels_of(page.all_items()):
        key = channels.channel_key(ref)
        if key in seen or _is_target(ref, target, state["targetId"]):
            continue
        seen.add(key)
        collected.append(
            {"key": key, "term": term, "ref": ref.model_dump(), "video": video.model_dump()}
        )
    details = {"term": term, "channels": len(collected)}
    return await SEARCH.result(ctx, state, collected, finish=partial(_finish, ctx), details=details)


async def run(ctx: StepContext) -> StepResult:
    state = ctx.state
    if "terms" not in state:
        return await _start(ctx)
    return await _search(ctx, state)
