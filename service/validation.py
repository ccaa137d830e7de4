"""Pure input checks with field-named errors: keywords, usernames, target result counts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.enums import Platform
from service.errors import BadRequest
from service.safe_text import check_text

# Handles as each platform allows them (letters, digits and a few separators).
_HANDLE_PATTERNS = {
    Platform.TIKTOK: re.compile(r"[A-Za-z0-9._]{2,24}"),
    Platform.INSTAGRAM: re.compile(r"[A-Za-z0-9._]{1,30}"),
    Platform.YOUTUBE: re.compile(r"[A-Za-z0-9._\-]{3,30}"),
}


def clean_keywords(raw: Sequence[object], *, max_count: int, max_length: int) -> list[str]:
    """Trim, drop case-insensitive repeats (first spelling wins), then enforce the bounds."""
    if not raw:
        raise BadRequest("keywords: must be a non-empty list of strings")
    seen: set[str] = set()
    keywords: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, str):
            raise BadRequest(f"keywords.{index}: must be a string")
        # Checked before whitespace is collapsed: a TAB or LF in a keyword is refused like NUL.
        keyword = " ".join(check_text(item, f"keywords.{index}").split())
        if not keyword:
            raise BadRequest(f"keywords.{index}: must not be blank")
        if len(keyword) > max_length:
            raise BadRequest(f"keywords.{index}: must be at most {max_length} characters")
        if keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            keywords.append(keyword)
    if len(keywords) > max_count:
        raise BadRequest(f"keywords: at most {max_count} keywords")
    return keywords


def clean_username(raw: str, platform: Platform) -> str:
    """Strip '@' and whitespace, then check the handle against the platform's pattern."""
    handle = "".join(raw.split()).replace("@", "")
    if not handle:
        raise BadRequest("username: must not be blank")
    if not _HANDLE_PATTERNS[platform].fullmatch(handle):
        raise BadRequest(f"username: {handle!r} is not a valid {platform.value} handle")
    return handle


def check_target(value: int, *, low: int, high: int) -> int:
    if not low <= value <= high:
        raise BadRequest(f"targetResults: must be between {low} and {high}")
    return value
