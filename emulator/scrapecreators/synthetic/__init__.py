"""Synthetic mode: any query or handle answered deterministically in the real API's shapes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from emulator.scrapecreators.synthetic import instagram, tiktok, youtube
from emulator.scrapecreators.synthetic.common import CREDITS


class BadParameter(ValueError):
    """A request the real API would refuse with a 400; the message is the real-style text."""


def _required(query: Mapping[str, str], name: str) -> str:
    value = query.get(name, "").strip()
    if not value:
        raise BadParameter(f"{name} is required")
    return value


def _cursor(query: Mapping[str, str]) -> int:
    raw = query.get("cursor", "0").strip() or "0"
    if not raw.isdigit():
        raise BadParameter("cursor must be a non-negative integer")
    return int(raw)


def _tiktok_keyword(query: Mapping[str, str]) -> dict[str, Any]:
    return tiktok.keyword_search(_required(query, "query"), _cursor(query))


def _tiktok_profile(query: Mapping[str, str]) -> dict[str, Any]:
    return tiktok.profile(_required(query, "handle"))


def _tiktok_users(query: Mapping[str, str]) -> dict[str, Any]:
    return tiktok.user_search(_required(query, "query"), _cursor(query))


def _instagram_profile(query: Mapping[str, str]) -> dict[str, Any]:
    return instagram.profile(_required(query, "handle"))


def _youtube_search(query: Mapping[str, str]) -> dict[str, Any]:
    text = _required(query, "query")
    try:
        return youtube.search(text, query.get("continuationToken", ""))
    except youtube.BadToken as exc:
        raise BadParameter("continuationToken is not valid for this query") from exc


def _channel_key(query: Mapping[str, str]) -> str:
    key = query.get("handle") or query.get("channelId") or ""
    if not key.strip():
        raise BadParameter("You must provide a handle or a channelId")
    return key.strip()


def _youtube_channel(query: Mapping[str, str]) -> dict[str, Any]:
    return youtube.channel(_channel_key(query))


def _youtube_channel_videos(query: Mapping[str, str]) -> dict[str, Any]:
    return youtube.channel_videos(_channel_key(query))


def _credit_balance(query: Mapping[str, str]) -> dict[str, Any]:
    return {"success": True, "creditCount": CREDITS}


ENDPOINTS: dict[str, Callable[[Mapping[str, str]], dict[str, Any]]] = {
    "/v1/tiktok/search/keyword": _tiktok_keyword,
    "/v1/tiktok/profile": _tiktok_profile,
    "/v1/tiktok/search/users": _tiktok_users,
    "/v1/instagram/profile": _instagram_profile,
    "/v1/youtube/search": _youtube_search,
    "/v1/youtube/channel": _youtube_channel,
    "/v1/youtube/channel-videos": _youtube_channel_videos,
    "/v1/credit-balance": _credit_balance,
}


def answer(path: str, query: Mapping[str, str]) -> dict[str, Any]:
    """The synthetic body for a known endpoint; BadParameter for input the API refuses."""
    return ENDPOINTS[path](query)
