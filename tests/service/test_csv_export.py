"""CSV export of creators."""

from __future__ import annotations

import csv
import io

from service.api.csv_export import render_csv
from service.jobs.creator import Creator, Video
from service.jobs.enums import Platform


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_creator_becomes_one_row() -> None:
    creator = Creator(
        platform=Platform.YOUTUBE,
        handle="chef",
        name='Chef "Ramsay", Jr.',
        followers=250000,
        bio="line one\nline two",
        emails=["a@b.co"],
        social_links=["https://x.com/chef"],
        verified=True,
        video=Video(url="https://youtu.be/1", views=10),
        hashtags=["food", "cooking"],
    )

    [row] = rows(render_csv([creator.to_json()]))

    assert row["name"] == 'Chef "Ramsay", Jr.'
    assert row["bio"] == "line one\nline two"
    assert (row["followers"], row["verified"], row["is_private"]) == ("250000", "true", "false")
    assert (row["video_url"], row["video_views"]) == ("https://youtu.be/1", "10")
    assert row["hashtags"] == "#food #cooking"
    assert row["social_links"] == "https://x.com/chef"


def test_formula_like_cells_are_neutralised() -> None:
    creator = Creator(platform=Platform.TIKTOK, handle="x", name="+cmd", bio="-1+1", followers=0)
    [row] = rows(render_csv([creator.to_json()]))
    assert (row["name"], row["bio"], row["followers"]) == ("'+cmd", "'-1+1", "0")


def test_no_creators_is_just_the_header() -> None:
    assert render_csv([]).splitlines() == [render_csv([]).splitlines()[0]]
    assert render_csv([]).startswith("name,handle,platform,followers,emails,bio,profile_url")
