"""Render a job's creators as CSV (one row per creator, spreadsheet-safe)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from service.jobs.creator import Creator

_Column = tuple[str, Callable[[Creator], object]]

COLUMNS: list[_Column] = [
    ("name", lambda c: c.name),
    ("handle", lambda c: c.handle),
    ("platform", lambda c: c.platform.value),
    ("followers", lambda c: c.followers),
    ("emails", lambda c: "; ".join(c.emails)),
    ("bio", lambda c: c.bio),
    ("profile_url", lambda c: c.profile_url),
    ("avatar_url", lambda c: c.avatar_url),
    ("verified", lambda c: c.verified),
    ("is_private", lambda c: c.is_private),
    ("external_id", lambda c: c.external_id),
    ("social_links", lambda c: "; ".join(c.social_links)),
    ("search_keyword", lambda c: c.search_keyword),
    ("video_url", lambda c: c.video.url if c.video else None),
    ("video_description", lambda c: c.video.description if c.video else None),
    ("video_views", lambda c: c.video.views if c.video else None),
    ("video_likes", lambda c: c.video.likes if c.video else None),
    ("hashtags", lambda c: " ".join(f"#{tag}" for tag in c.hashtags)),
]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # A leading =, +, - or @ makes spreadsheets evaluate the cell (CSV injection).
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def render_csv(creators: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in COLUMNS])
    for raw in creators:
        try:
            creator = Creator.model_validate(raw)
        except ValidationError:
            continue  # a row that is not a creator cannot be exported meaningfully
        writer.writerow([_cell(get(creator)) for _, get in COLUMNS])
    return out.getvalue()
