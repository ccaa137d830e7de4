"""Synthetic Instagram profiles with related profiles (and, for some, none)."""

from __future__ import annotations

from typing import Any

from emulator.scrapecreators.synthetic.common import (
    digits,
    emails_for,
    envelope,
    handle_for,
    rng,
    title_case,
)


def _pic(handle: str, size: int) -> str:
    return f"https://scontent.cdninstagram.example/{handle}_s{size}.jpg"


def profile(handle: str) -> dict[str, Any]:
    r = rng("instagram", handle)
    emails = emails_for(handle, r.choice([0, 1, 1, 2]))
    bio = f"{title_case(handle)} · slow living & good food"
    if emails:
        bio += "\n✉️ " + " ".join(emails)
    # About one account in five has no related list at all, as the docs warn.
    related_count = 0 if r.random() < 0.2 else r.randint(3, 7)
    related = []
    for slot in range(related_count):
        other = handle_for(handle, slot + 1)
        related.append(
            {
                "node": {
                    "id": digits(("instagram", other), 11),
                    "username": other,
                    "full_name": title_case(other),
                    "is_private": rng("ig-private", other).random() < 0.1,
                    "is_verified": rng("ig-verified", other).random() < 0.3,
                    "profile_pic_url": _pic(other, 150),
                }
            }
        )
    user = {
        "id": digits(("instagram", handle), 11),
        "username": handle,
        "full_name": title_case(handle),
        "biography": bio,
        "bio_links": [{"title": "Site", "url": f"https://{handle.replace('_', '')}.example.com"}],
        "external_url": f"https://{handle.replace('_', '')}.example.com",
        "edge_followed_by": {"count": r.randint(900, 3_000_000)},
        "edge_follow": {"count": r.randint(10, 2_000)},
        "is_private": False,
        "is_verified": r.random() < 0.4,
        "is_business_account": True,
        "category_name": "Creator",
        "profile_pic_url": _pic(handle, 150),
        "profile_pic_url_hd": _pic(handle, 320),
        "edge_owner_to_timeline_media": {
            "count": r.randint(10, 900),
            "page_info": {"has_next_page": False, "end_cursor": None},
            "edges": [],
        },
    }
    if related_count or r.random() < 0.5:
        # An empty list and a missing key both occur in real data.
        user["edge_related_profiles"] = {"edges": related}
    return envelope({"data": {"user": user}, "status": "ok"})
