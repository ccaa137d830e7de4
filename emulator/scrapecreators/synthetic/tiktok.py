"""Synthetic TikTok keyword search, profile and user search, in the real shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.scrapecreators.synthetic.common import (
    digits,
    emails_for,
    envelope,
    handle_for,
    rng,
    title_case,
)

PAGE_STEP = 30  # the real API always answers cursor = request cursor + 30


@dataclass(frozen=True)
class Creator:
    """Everything about an invented creator, derived from the handle alone, so the search author
    and the profile of one handle always agree."""

    handle: str
    uid: str
    nickname: str
    followers: int
    private: bool
    deactivated: bool
    bio: str

    @classmethod
    def of(cls, handle: str) -> Creator:
        r = rng("tiktok-creator", handle)
        roll = r.random()
        emails = emails_for(handle, r.choice([0, 0, 1, 1, 2]))
        bio = f"{title_case(handle)} | recipes and stories"
        if emails:
            bio += " | contact: " + " or ".join(emails)
        return cls(
            handle=handle,
            uid=digits(("tiktok", handle), 19),
            nickname=title_case(handle),
            followers=r.randint(800, 2_500_000),
            private=roll < 0.1,
            deactivated=0.1 <= roll < 0.18,
            bio=bio,
        )


def _avatar(handle: str) -> dict[str, Any]:
    base = f"https://p16.tiktokcdn.example/avatar/{handle}"
    return {
        "uri": f"avatar/{handle}",
        "url_list": [f"{base}.heic", f"{base}.webp", f"{base}.jpeg"],
        "width": 720,
        "height": 720,
        "url_prefix": None,
    }


def _aweme(query: str, cursor: int, position: int, creator: Creator) -> dict[str, Any]:
    r = rng("aweme", query, cursor, position)
    aweme_id = digits(("aweme", query, cursor, position), 19)
    tag = (query.split() or ["video"])[0].lower()
    url = f"https://www.tiktok.com/@{creator.handle}/video/{aweme_id}"
    return {
        "aweme_id": aweme_id,
        "desc": f"{query} idea #{position} #{tag} #fyp",
        "create_time": 1_700_000_000 + r.randint(0, 30_000_000),
        "region": "US",
        "url": url,
        "share_url": f"{url}?is_from_webapp=1&sender_device=pc",
        "statistics": {
            "aweme_id": aweme_id,
            "play_count": r.randint(1_000, 5_000_000),
            "digg_count": r.randint(10, 300_000),
            "comment_count": r.randint(0, 9_000),
            "share_count": r.randint(0, 20_000),
            "collect_count": r.randint(0, 50_000),
        },
        "text_extra": [
            {"type": 1, "hashtag_name": tag, "hashtag_id": digits(tag, 8), "start": 0, "end": 1},
            {"type": 1, "hashtag_name": "fyp", "hashtag_id": "229207", "start": 2, "end": 3},
        ],
        "author": {
            "uid": creator.uid,
            "sec_uid": f"MS4wLjABAAAA-{creator.uid}",
            "unique_id": creator.handle,
            "nickname": creator.nickname,
            "follower_count": creator.followers,
            "following_count": 0,
            "total_favorited": 0,
            "aweme_count": 0,
            "custom_verify": "Popular creator" if creator.followers > 1_000_000 else "",
            "verification_type": 0,
            "ins_id": "",
            "secret": 0,
            "avatar_medium": _avatar(creator.handle),
        },
        "video": {"duration": r.randint(8, 90) * 1000},
        "is_ad": False,
    }


def keyword_search(query: str, cursor: int) -> dict[str, Any]:
    """A page of a keyword search: 3-5 pages per query, creators repeating across pages, and a
    last page with `has_more: 0` and no `search_item_list` at all."""
    r = rng("keyword", query)
    pages = r.randint(3, 5)
    pool = pages * 3  # fewer creators than items, so some repeat across pages
    page = cursor // PAGE_STEP
    base = {"cursor": cursor + PAGE_STEP, "status_code": 0, "extra": {"now": 1_700_000_000_000}}
    if page >= pages - 1:
        nil = {"search_nil_item": "pack_nil", "is_load_more": "is_load_more", "text_type": 10}
        return envelope({**base, "has_more": 0, "aweme_list": None, "search_nil_info": nil})
    count = rng("page", query, cursor).randint(3, 6)
    slots = [rng("slot", query, cursor, i).randrange(pool) for i in range(count)]
    items = [
        _aweme(query, cursor, i, Creator.of(handle_for(query, s))) for i, s in enumerate(slots)
    ]
    # Some queries come back trimmed (flat items), the rest wrapped in aweme_info.
    if r.random() < 0.3:
        listed: list[dict[str, Any]] = [_trim(item) for item in items]
    else:
        listed = [{"aweme_info": item} for item in items]
    return envelope({**base, "has_more": 1, "aweme_list": [], "search_item_list": listed})


def _trim(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in {"share_url", "text_extra"}}


def profile(handle: str) -> dict[str, Any]:
    creator = Creator.of(handle)
    if creator.deactivated:
        return envelope(
            {"account_deactivated": True, "handle": handle, "message": "Account doesn't exist"}
        )
    if creator.private:
        return {"account_private": True, "handle": handle}
    stats = {
        "followerCount": creator.followers,
        "followingCount": rng("following", handle).randint(0, 900),
        "heart": creator.followers * 12,
        "heartCount": creator.followers * 12,
        "videoCount": rng("videos", handle).randint(5, 900),
        "diggCount": 0,
    }
    user = {
        "id": creator.uid,
        "uniqueId": handle,
        "nickname": creator.nickname,
        "signature": creator.bio,
        "verified": creator.followers > 1_000_000,
        "privateAccount": False,
        "secUid": f"MS4wLjABAAAA-{creator.uid}",
        "region": "US",
        "avatarLarger": f"https://p16.tiktokcdn.example/avatar/{handle}-l.jpeg",
        "avatarMedium": f"https://p16.tiktokcdn.example/avatar/{handle}-m.jpeg",
        "avatarThumb": f"https://p16.tiktokcdn.example/avatar/{handle}-t.jpeg",
    }
    as_text = {key: str(value) for key, value in stats.items()}
    return envelope({"user": user, "stats": stats, "statsV2": as_text, "itemList": []})


def user_search(query: str, cursor: int) -> dict[str, Any]:
    """Users matching a query, in the mid-2025 `users` form or the late-2025 `user_list` form."""
    r = rng("user-search", query)
    entries = []
    for i in range(rng("user-page", query, cursor).randint(3, 6)):
        creator = Creator.of(handle_for(query, cursor + i))
        info = {
            "uid": creator.uid,
            "sec_uid": f"MS4wLjABAAAA-{creator.uid}",
            "unique_id": creator.handle,
            "nickname": creator.nickname,
            "search_user_desc": creator.nickname,
            "search_user_name": creator.handle,
            "follower_count": creator.followers,
            "following_count": rng("following", creator.handle).randint(0, 900),
            "aweme_count": rng("videos", creator.handle).randint(5, 900),
            "total_favorited": creator.followers * 12,
            "verification_type": 1 if creator.followers > 1_000_000 else 0,
            "custom_verify": "",
            "is_private_account": int(creator.private),
            "secret": 0,
            "avatar_medium": _avatar(creator.handle),
        }
        entries.append({"challenges": None, "items": None, "position": None, "user_info": info})
    if r.random() < 0.5:
        return {"cursor": cursor + PAGE_STEP, "users": entries}
    raw = {"has_more": 1, "status_code": 0, "type": 1, "input_keyword": query, "qc": ""}
    return envelope({"cursor": cursor + PAGE_STEP, **raw, "user_list": entries})
