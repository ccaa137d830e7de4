"""Pure input checks with field-named errors: keywords, usernames, target result counts."""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.api.safe_text import PLAIN_SPACE, check_text
from service.errors import InvalidInput
from service.jobs.enums import Platform

# Handles as each platform allows them (letters, digits and a few separators).
_HANDLES = {
    Platform.TIKTOK: r"[A-Za-z0-9._]{2,24}",
    Platform.INSTAGRAM: r"[A-Za-z0-9._]{1,30}",
    Platform.YOUTUBE: r"[A-Za-z0-9._\-]{3,30}",
}


def username_pattern(platform: Platform) -> str:
    """The accepted text: the handle's characters with any '@' and whitespace among them.

    `clean_username` checks with it and the OpenAPI document publishes it, so the two agree.
    """
    characters, counts = _HANDLES[platform].split("{")
    around = rf"(?:{PLAIN_SPACE}|@)*"
    return rf"^{around}(?:{characters}{around}){{{counts}$"


_USERNAMES = {platform: re.compile(username_pattern(platform)) for platform in Platform}


def clean_keywords(raw: Sequence[object], *, max_count: int, max_length: int) -> list[str]:
    """Trim, drop case-insensitive repeats (first spelling wins), then enforce the bounds."""
    if not raw:
        raise InvalidInput("keywords: must be a non-empty list of strings")
    # Counted and measured as sent (before dropping repeats and squeezing spaces): the bounds
    # the API documents are on the request, not on what cleaning leaves of it.
    if len(raw) > max_count:
        raise InvalidInput(f"keywords: at most {max_count} keywords")
    seen: set[str] = set()
    keywords: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, str):
            raise InvalidInput(f"keywords.{index}: must be a string")
        # Checked before whitespace is collapsed: a TAB or LF in a keyword is refused like NUL.
        keyword = " ".join(check_text(item, f"keywords.{index}").split())
        if not keyword:
            raise InvalidInput(f"keywords.{index}: must not be blank")
        if len(item) > max_length:
            raise InvalidInput(f"keywords.{index}: must be at most {max_length} characters")
        if keyword.casefold() not in seen:
            seen.add(keyword.casefold())
            keywords.append(keyword)
    return keywords


def clean_username(raw: str, platform: Platform) -> str:
    """Strip '@' and whitespace, then check the handle against the platform's pattern."""
    handle = "".join(raw.split()).replace("@", "")
    if not handle:
        raise InvalidInput("username: must not be blank")
    if not _USERNAMES[platform].fullmatch(raw):
        raise InvalidInput(f"username: {handle!r} is not a valid {platform.value} handle")
    return handle


def check_target(value: int, *, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"targetResults: must be between {low} and {high}")
    return value
