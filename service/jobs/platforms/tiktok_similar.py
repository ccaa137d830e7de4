"""TikTok similar job: target profile → keywords → one user search per step → top creators."""

from __future__ import annotations

import re
from typing import Any

from service.config.defaults import API_LIMITS, PROCESSING, QSTASH_DELAYS
from service.jobs.creator import Creator
from service.jobs.emails import extract_emails, unique
from service.jobs.enums import Platform
from service.jobs.platforms.base import JobFailed, StepContext, StepResult, keyed, target_found
from service.jobs.platforms.profiles import bounded_map
from service.jobs.platforms.similar_search import SimilarSearch
from service.scrapecreators.models import TikTokSearchUser
from service.store import KeyedCreator

SEARCH = SimilarSearch(
    queries="keywords",
    found="users",
    max_searches=API_LIMITS.max_api_calls_tiktok_similar,
    delay=QSTASH_DELAYS.tiktok_continuation_delay,
)
CONCURRENCY = PROCESSING.profile_concurrency
MAX_KEYWORDS = 5

# A short English stop-word list: words that say nothing about what a creator makes.
_STOP_TEXT = (
    "the and for with you your our are was were this that from have has just not but all "
    "can will out about more what when who how its into over than then them they their "
    "there here his her she him get got new official account page follow "
)
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def derive_keywords(nickname: str, bio: str, handle: str) -> list[str]:
    """Nickname words, then bio words (3-19 characters, no stop words), then the handle."""
    words: list[str] = []
    for text in (nickname, bio):
        for word in _NON_ALNUM.sub(" ", text.lower()).split():
            if 3 <= len(word) <= 19 and word not in _STOP_WORDS:
                words.append(word)
    words.append(handle.lower())
    return unique(words)[:MAX_KEYWORDS]


def _creator(user: TikTokSearchUser, bio: str, keyword: str) -> Creator:
    return Creator.by_handle(
        Platform.TIKTOK,
        user.unique_id,
        name=user.nickname,
        avatar_url=user.avatar_medium.best_url() if user.avatar_medium else "",
        external_id=user.uid,
        followers=user.follower_count,
        bio=bio,
        emails=extract_emails(bio),
        verified=user.verified,
        is_private=user.is_private,
        search_keyword=keyword,
    )


async def _start(ctx: StepContext) -> StepResult:
    target = ctx.job.target_username or ""
    profile = await ctx.api.tiktok_profile(target)
    if profile.user is None:
        raise JobFailed(f"TikTok profile @{target} not found")
    user = profile.user
    keywords = derive_keywords(user.nickname, user.signature, target)
    state = {"keywords": keywords, "searched": 0, "targetUid": user.id, "users": []}
    return target_found(state, {"keywords": keywords})


async def _search(ctx: StepContext, state: dict[str, Any]) -> StepResult:
    job = ctx.job
    target = (job.target_username or "").lower()
    keyword, collected = SEARCH.next_round(state)
    seen = {entry["key"] for entry in collected}

    page = await ctx.api.tiktok_user_search(keyword)
    fresh: dict[str, TikTokSearchUser] = {}
    for user in page.users():
        key = f"tiktok:{user.uid or user.unique_id}"
        is_target = user.unique_id.lower() == target or user.uid == state["targetUid"] != ""
        if user.unique_id and not user.is_private and not is_target and key not in seen:
            fresh.setdefault(key, user)

    async def enrich(pair: tuple[str, TikTokSearchUser]) -> dict[str, Any] | None:
        key, user = pair
        profile = await ctx.profiles.tiktok(ctx.api, user.unique_id)
        if profile is not None and profile.is_deactivated:
            return None
        # The search snippet is a cut-down bio; the profile's signature wins when longer.
        bio = max(user.search_user_desc, profile.bio if profile else "", key=len)
        return {"key": key, "creator": _creator(user, bio, keyword).to_json()}

    limit = await ctx.config.get(CONCURRENCY)
    collected += [entry for entry in await bounded_map(fresh.items(), enrich, limit=limit) if entry]

    async def top_creators(found: list[dict[str, Any]]) -> list[KeyedCreator]:
        ranked = sorted(found, key=lambda e: -int(e["creator"].get("followers") or 0))
        return [
            keyed(e["key"], Creator.model_validate(e["creator"]))
            for e in ranked[: job.target_results]
        ]

    details = {"keyword": keyword, "users": len(page.users()), "new": len(fresh)}
    return await SEARCH.result(ctx, state, collected, finish=top_creators, details=details)


async def run(ctx: StepContext) -> StepResult:
    state = ctx.state
    if "keywords" not in state:
        return await _start(ctx)
    return await _search(ctx, state)
