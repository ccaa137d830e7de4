"""The Instagram profile model finds related profiles, and none when the list is empty or gone."""

from __future__ import annotations

from typing import Any

import pytest

from service.scrapecreators import (
    InstagramProfile,
)


def test_instagram_related_profiles() -> None:
    node = {"id": "9", "username": "rye_and_shine", "full_name": "Rye", "is_verified": True}
    profile = InstagramProfile.model_validate(
        {
            "data": {
                "user": {
                    "username": "target",
                    "edge_followed_by": {"count": 77},
                    "edge_related_profiles": {"edges": [{"node": node}]},
                }
            },
            "status": "ok",
        }
    )
    assert profile.user is not None
    assert profile.user.edge_followed_by.count == 77
    [related] = profile.related()
    assert (related.username, related.is_verified) == ("rye_and_shine", True)


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"user": {"username": "t", "edge_related_profiles": {"edges": []}}}},
        {"data": {"user": {"username": "t"}}},
        {"data": {"user": {"username": "t", "edge_related_profiles": {"edges": None}}}},
        {"data": {}},
        {},
    ],
)
def test_instagram_related_missing_or_empty(body: dict[str, Any]) -> None:
    assert InstagramProfile.model_validate(body).related() == []
