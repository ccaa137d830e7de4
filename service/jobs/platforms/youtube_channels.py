"""YouTube helpers shared by both YouTube job kinds: channel keys, details, creator shape."""

from __future__ import annotations

from service.config.defaults import PROCESSING
from service.jobs.creator import PROFILE_URLS, Creator, Video
from service.jobs.emails import extract_emails, unique
from service.jobs.enums import Platform
from service.jobs.platforms.base import StepContext
from service.jobs.platforms.profiles import bounded_map
from service.scrapecreators.models import YouTubeChannel, YouTubeChannelRef, YouTubeVideo

CONCURRENCY = PROCESSING.profile_concurrency


def channel_key(ref: YouTubeChannelRef) -> str:
    return f"youtube:{ref.id or ref.handle or ref.title}"


def channels_of(items: list[YouTubeVideo]) -> list[tuple[YouTubeChannelRef, YouTubeVideo]]:
    """Each channel once (first video wins), in the order the results list them."""
    seen: dict[str, tuple[YouTubeChannelRef, YouTubeVideo]] = {}
    for item in items:
        ref = item.channel
        if ref is not None and (ref.id or ref.handle or ref.title):
            seen.setdefault(channel_key(ref), (ref, item))
    return list(seen.values())


async def details(ctx: StepContext, refs: list[YouTubeChannelRef]) -> list[YouTubeChannel | None]:
    """Channel details for refs with a handle (None for the others), bounded and cached."""

    async def one(ref: YouTubeChannelRef) -> YouTubeChannel | None:
        if not ref.handle:
            return None
        return await ctx.profiles.youtube(ctx.api, ref.handle)

    limit = await ctx.config.get(CONCURRENCY)
    return await bounded_map(refs, one, limit=limit)


def creator(
    ref: YouTubeChannelRef, channel: YouTubeChannel | None, video: YouTubeVideo | None, query: str
) -> Creator:
    bio = channel.description if channel is not None else ""
    contact = channel.email if channel is not None else ""
    handle = ref.handle.lstrip("@")
    url: str | None = None
    if handle:
        url = PROFILE_URLS[Platform.YOUTUBE].format(handle=handle)
    elif ref.id:
        url = f"https://www.youtube.com/channel/{ref.id}"
    return Creator(
        platform=Platform.YOUTUBE,
        handle=handle,
        name=(channel.name if channel is not None and channel.name else ref.title) or handle,
        followers=channel.subscriberCount if channel is not None else None,
        bio=bio,
        emails=unique([*extract_emails(contact), *extract_emails(bio)]),
        profile_url=url,
        avatar_url=(channel.best_avatar() if channel is not None else "") or ref.thumbnail or None,
        external_id=ref.id or None,
        social_links=list(channel.links) if channel is not None else [],
        search_keyword=query,
        video=(
            Video(description=video.title, url=video.url or None, views=video.viewCountInt)
            if video is not None
            else None
        ),
    )
