"""Input checks: keywords, usernames and targets, each error naming its field."""

from __future__ import annotations

import pytest

from service.api.validation import check_target, clean_keywords, clean_username
from service.errors import InvalidInput
from service.jobs.enums import Platform


def test_keywords_are_trimmed_and_deduplicated_keeping_the_first_spelling() -> None:
    assert clean_keywords(
        ["  Home   Workout ", "home workout", "Yoga", "YOGA"], max_count=10, max_length=100
    ) == ["Home Workout", "Yoga"]


def test_duplicates_are_dropped() -> None:
    assert clean_keywords(["a", "A", "b"], max_count=3, max_length=5) == ["a", "b"]


def test_the_limits_apply_to_what_was_sent() -> None:
    # The documented maxItems/maxLength bound the request, whatever cleaning would leave of it.
    with pytest.raises(InvalidInput, match="keywords: at most 2 keywords"):
        clean_keywords(["a", "A", "b"], max_count=2, max_length=5)
    with pytest.raises(InvalidInput, match=r"keywords\.0: must be at most 4 characters"):
        clean_keywords(["a   b"], max_count=2, max_length=4)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ([], "keywords: must be a non-empty list of strings"),
        (["a", "b", "c"], "keywords: at most 2 keywords"),
        (["abcdef"], "keywords.0: must be at most 5 characters"),
        ([None], "keywords.0: must be a string"),
    ],
)
def test_bad_keywords_name_the_item(raw: list[object], error: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        clean_keywords(raw, max_count=2, max_length=5)
    assert raised.value.message == error


@pytest.mark.parametrize(
    ("raw", "platform", "handle"),
    [
        ("@charli d'amelio".replace("'", ""), Platform.TIKTOK, "charlidamelio"),
        ("  @nat.geo ", Platform.INSTAGRAM, "nat.geo"),
        ("@Mr-Beast_6000", Platform.YOUTUBE, "Mr-Beast_6000"),
    ],
)
def test_usernames_lose_at_signs_and_spaces(raw: str, platform: Platform, handle: str) -> None:
    assert clean_username(raw, platform) == handle


@pytest.mark.parametrize(
    ("raw", "platform"),
    [
        ("a", Platform.TIKTOK),
        ("x" * 25, Platform.TIKTOK),
        ("has-dash", Platform.INSTAGRAM),
        ("ab", Platform.YOUTUBE),
        ("semi;colon", Platform.YOUTUBE),
    ],
)
def test_impossible_handles_are_refused(raw: str, platform: Platform) -> None:
    with pytest.raises(InvalidInput, match=f"^username: .* is not a valid {platform.value} handle"):
        clean_username(raw, platform)


def test_targets_must_lie_in_the_range() -> None:
    assert check_target(1, low=1, high=10) == 1
    assert check_target(10, low=1, high=10) == 10
    with pytest.raises(InvalidInput, match="targetResults: must be between 1 and 10"):
        check_target(11, low=1, high=10)
