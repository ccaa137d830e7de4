"""YouTube similar job: target channel → search terms → one search per step → enriched channels."""

from __future__ import annotations

from typing import Any

from service.emails import unique
from service.platforms import youtube_channels as channels
from service.platforms.base import (
    JobFailed,
    StepContext,
    StepResult,
    keyed,
    similar_progress,
    target_found,
)
from service.scrapecreators.models import YouTubeChannel, YouTubeChannelRef, YouTubeVideo

MAX_SEARCHES = "api_limits.max_api_calls_youtube_similar"
DELAY = "qstash_delays.youtube_continuation_delay"
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


async def _finish(ctx: StepContext, collected: list[dict[str, Any]]) -> list[Any]:
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
    job = ctx.job
    terms: list[str] = state["terms"]
    searched: int = state["searched"]
    term = terms[searched]
    collected: list[dict[str, Any]] = list(state["channels"])
    seen = {entry["key"] for entry in collected}
    target = (job.target_username or "").lstrip("@").lower()

    page = await ctx.api.youtube_search(term, None)
    for ref, video in channels.channels_of(page.all_items()):
        key = channels.channel_key(ref)
        if key in seen or _is_target(ref, target, state["targetId"]):
            continue
        seen.add(key)
        collected.append(
            {"key": key, "term": term, "ref": ref.model_dump(), "video": video.model_dump()}
        )
    searched += 1
    max_searches = min(len(terms), await ctx.config.number(MAX_SEARCHES))
    done = searched >= max_searches
    creators = await _finish(ctx, collected) if done else []
    return StepResult(
        done=done,
        progress=similar_progress(
            done=done,
            searched=searched,
            searches=max_searches,
            found=len(collected),
            target=job.target_results,
        ),
        creators=creators,
        state={**state, "searched": searched, "channels": [] if done else collected},
        delay_seconds=await ctx.config.seconds(DELAY),
        details={"term": term, "channels": len(collected)},
    )


async def run(ctx: StepContext) -> StepResult:
    state = ctx.state
    if "terms" not in state:
        return await _start(ctx)
    return await _search(ctx, state)
