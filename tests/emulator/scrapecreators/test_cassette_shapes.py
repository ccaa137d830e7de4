"""Every cassette loads through vcrpy, holds no key, and every response fits the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from emulator.scrapecreators.replay import DEFAULT_FOLDER, load, resolve
from service.scrapecreators import (
    InstagramProfile,
    TikTokKeywordSearch,
    TikTokProfile,
    TikTokUserSearch,
    YouTubeChannel,
    YouTubeSearch,
    error_text,
)
from tests.emulator.scrapecreators.conftest import MODELS

CASSETTES = resolve(DEFAULT_FOLDER)


def test_the_folder_holds_every_scenario() -> None:
    names = {path.stem for path in CASSETTES}
    assert names >= {
        "tiktok_keyword", "tiktok_similar", "instagram_similar", "instagram_similar_empty",
        "youtube_keyword", "youtube_similar", "failure_402_midjob", "failure_503_then_success",
        "failure_429_then_success", "failure_timeout",
    }  # fmt: skip
    readme = (DEFAULT_FOLDER / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in names)


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.stem)
def test_no_api_key_is_recorded(path: Path) -> None:
    text = path.read_text().lower()
    assert "x-api-key" not in text
    assert "apikey" not in text


def meaningful(model: BaseModel) -> bool:
    """What a job reads from the body is there: an answer the service can act on."""
    if isinstance(model, TikTokKeywordSearch):
        items = model.items()
        return all(i.author.unique_id and i.author.uid for i in items) and (
            bool(items) or model.has_more == 0
        )
    if isinstance(model, TikTokProfile):
        return model.user is not None or model.is_private or model.is_deactivated
    if isinstance(model, TikTokUserSearch):
        return all(u.unique_id and u.uid for u in model.users()) and bool(model.users())
    if isinstance(model, InstagramProfile):
        return model.user is not None and bool(model.user.username)
    if isinstance(model, YouTubeSearch):
        return all(i.channel is not None and i.channel.id for i in model.all_items())
    if isinstance(model, YouTubeChannel):
        return bool(model.channelId and model.name and model.best_avatar())
    return True


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: p.stem)
def test_every_response_fits_the_models(path: Path) -> None:
    cassette = load(path)
    for request, response in cassette.data:
        status = response["status"]["code"]
        body = response["body"]["string"]
        if status == 200:
            model = MODELS[request.path].model_validate_json(body)
            assert meaningful(model), f"{path.stem}: {request.uri}"
        else:
            assert error_text(body), f"{path.stem}: {request.uri} has no readable error"
