"""TikTok keyword job: one search page per step, a profile call per new creator for the bio."""

from __future__ import annotations

from service.config.defaults import API_LIMITS, PROCESSING, QSTASH_DELAYS
from service.jobs.creator import Creator, Video
from service.jobs.emails import extract_emails
from service.jobs.enums import Platform
from service.jobs.platforms.base import StepContext, StepResult, keyed, step_progress
from service.jobs.platforms.profiles import bounded_map
from service.scrapecreators.models import TikTokAweme, TikTokProfile
from service.store import KeyedCreator

MAX_CALLS = API_LIMITS.max_api_calls_for_testing
DELAY = QSTASH_DELAYS.tiktok_continuation_delay
CONCURRENCY = PROCESSING.profile_concurrency


def creator_key(item: TikTokAweme) -> str:
    # TikTok repeats creators across pages; the uid is stable, the handle can change.
    return f"tiktok:{item.author.uid or item.author.unique_id}"


def _creator(item: TikTokAweme, profile: TikTokProfile | None, query: str) -> Creator:
    author = item.author
    user = profile.user if profile is not None else None
    bio = profile.bio if profile is not None else ""
    avatar = author.avatar_medium.best_url() if author.avatar_medium is not None else ""
    return Creator.by_handle(
        Platform.TIKTOK,
        author.unique_id,
        name=author.nickname,
        avatar_url=user.avatarMedium if user is not None and user.avatarMedium else avatar,
        external_id=author.uid,
        followers=(
            profile.stats.followerCount
            if profile is not None and user is not None
            else author.follower_count
        ),
        bio=bio,
        emails=extract_emails(bio),
        verified=(user.verified if user is not None else author.verified),
        is_private=profile.is_private if profile is not None else False,
        search_keyword=query,
        video=Video(
            description=item.desc,
            url=item.link() or None,
            views=item.statistics.play_count,
            likes=item.statistics.digg_count,
            comments=item.statistics.comment_count,
            shares=item.statistics.share_count,
        ),
        hashtags=item.hashtags(),
    )


async def run(ctx: StepContext) -> StepResult:
    job, config = ctx.job, ctx.config
    query = " ".join(job.keywords or [])
    cursor = int(job.cursor or 0)
    page = await ctx.api.tiktok_keyword_search(query, cursor)
    items = page.items()

    # New creators only: unseen in this page and not already stored for the job.
    fresh: dict[str, TikTokAweme] = {}
    for item in items:
        if item.author.unique_id:
            fresh.setdefault(creator_key(item), item)
    known = await ctx.known_keys(list(fresh))
    wanted = [(key, item) for key, item in fresh.items() if key not in known]
    room = max(0, job.target_results - job.processed_results)
    wanted = wanted[:room]  # never pay for bios the target does not need

    async def enrich(pair: tuple[str, TikTokAweme]) -> KeyedCreator | None:
        key, item = pair
        profile = await ctx.profiles.tiktok(ctx.api, item.author.unique_id)
        if profile is not None and profile.is_deactivated:
            return None
        return keyed(key, _creator(item, profile, query))

    found = await bounded_map(wanted, enrich, limit=await config.get(CONCURRENCY))
    creators = [creator for creator in found if creator is not None]

    runs = job.processed_runs + 1
    max_runs = await config.get(MAX_CALLS)
    results = job.processed_results + len(creators)
    done = (
        not page.has_more
        or not items
        or results >= job.target_results
        or runs >= max_runs
        or page.cursor <= cursor  # a cursor that does not advance would loop forever
    )
    return StepResult(
        done=done,
        progress=step_progress(
            done=done, runs=runs, max_runs=max_runs, results=results, target=job.target_results
        ),
        creators=creators,
        cursor=str(page.cursor),
        delay_seconds=await config.get(DELAY),
        details={"items": len(items), "new": len(creators), "cursor": page.cursor},
    )
