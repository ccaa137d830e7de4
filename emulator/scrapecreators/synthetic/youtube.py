"""Synthetic YouTube search pages, channel details and channel videos, in the real shapes."""

from __future__ import annotations

import hashlib
from typing import Any

from emulator.scrapecreators.synthetic.common import (
    emails_for,
    envelope,
    handle_for,
    rng,
    slug,
    title_case,
    words,
)


class BadToken(ValueError):
    """A continuation token this mock did not issue for this query."""


def _token(query: str, page: int) -> str:
    tag = hashlib.sha256(query.encode()).hexdigest()[:16]
    return f"EpsDEgV{tag}p{page}"


def _page_of(query: str, token: str) -> int:
    if not token:
        return 0
    prefix = _token(query, 0)[:-1]
    if not token.startswith(prefix) or not token[len(prefix) :].isdigit():
        raise BadToken(token)
    return int(token[len(prefix) :])


def _channel_ref(handle: str) -> dict[str, Any]:
    return {
        "id": "UC" + slug(("channel", handle), 22),
        "title": title_case(handle),
        "handle": handle,
        "thumbnail": f"https://yt3.ggpht.example/{handle}=s88",
    }


def _video(query: str, page: int, position: int, kind: str) -> dict[str, Any]:
    r = rng("yt-video", query, page, position, kind)
    video_id = slug(("video", query, page, position, kind), 11)
    handle = handle_for(query, r.randrange(12))
    channel = _channel_ref(handle.replace("_", ""))
    if r.random() < 0.12:
        channel["handle"] = None  # some search results carry no handle
    views = r.randint(100, 9_000_000)
    seconds = r.randint(20, 59) if kind == "short" else r.randint(120, 2400)
    return {
        "type": kind,
        "id": video_id,
        "url": f"https://www.youtube.com/{'shorts/' if kind == 'short' else 'watch?v='}{video_id}",
        "title": f"{query.title()} — take {page * 10 + position}",
        "thumbnail": f"https://i.ytimg.example/vi/{video_id}/hq720.jpg",
        "channel": channel,
        "viewCountText": f"{views:,} views",
        "viewCountInt": views,
        "publishedTimeText": f"{r.randint(1, 11)} months ago",
        "publishedTime": "2025-06-01T12:00:00.000Z",
        "lengthText": f"{seconds // 60}:{seconds % 60:02d}",
        "lengthSeconds": seconds,
        "badges": [],
    }


def search(query: str, token: str) -> dict[str, Any]:
    """A search page; 2-4 pages per query, the last without a continuation token."""
    page = _page_of(query, token)
    pages = rng("yt-pages", query).randint(2, 4)
    if page >= pages:
        return envelope({"videos": [], "shorts": []})
    r = rng("yt-page", query, page)
    videos = [_video(query, page, i, "video") for i in range(r.randint(3, 5))]
    shorts = [_video(query, page, i, "short") for i in range(r.randint(1, 3))]
    payload: dict[str, Any] = {"videos": videos, "shorts": shorts, "lives": [], "playlists": []}
    if page + 1 < pages:
        payload["continuationToken"] = _token(query, page + 1)
    return envelope(payload)


def channel(handle: str) -> dict[str, Any]:
    handle = handle.lstrip("@")
    r = rng("yt-channel", handle)
    emails = emails_for(handle, r.choice([0, 1, 1, 2]))
    description = f"Welcome to {title_case(handle)}! New videos every week."
    if emails:
        description += " Business: " + emails[0]
    subscribers = r.randint(1_000, 4_000_000)
    topics = words(handle) or ["videos"]
    site = f"https://{handle.lower()}.example.com"
    return envelope(
        {
            "channelId": "UC" + slug(("channel", handle), 22),
            "channel": f"http://www.youtube.com/@{handle}",
            "handle": f"@{handle}",
            "name": title_case(handle),
            "avatar": {
                "image": {
                    "sources": [
                        {"url": f"https://yt3.ggpht.example/{handle}=s{s}", "width": s, "height": s}
                        for s in (72, 120, 160)
                    ]
                }
            },
            "description": description,
            "subscriberCount": subscribers,
            "subscriberCountText": f"{subscribers:,} subscribers",
            "videoCount": r.randint(10, 900),
            "viewCount": subscribers * r.randint(20, 200),
            "joinedDateText": "Joined Mar 9, 2015",
            "tags": ", ".join([*topics, "vlog", "how to"]),
            "email": emails[-1] if len(emails) > 1 else None,
            "links": [site, f"https://instagram.com/{handle.lower()}"],
            "instagram": f"https://instagram.com/{handle.lower()}",
        }
    )


def channel_videos(handle: str) -> dict[str, Any]:
    """One page of a channel's latest videos (no further pages)."""
    handle = handle.lstrip("@")
    videos = []
    for i in range(3):
        video = _video(handle, 0, i, "video")
        video["channel"] = _channel_ref(handle)
        videos.append(video)
    return envelope({"videos": videos})
