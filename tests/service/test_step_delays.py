"""Each job kind's next step reaches the webhook exactly its configured continuation delay later."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import pipeline
from tests.service.stepping import step_times

# Two different delays, so a kind that waits the other platform's delay shows it.
TIKTOK_DELAY = 7
YOUTUBE_DELAY = 11


@pytest.mark.parametrize(
    ("scenario", "route", "body", "config", "gaps"),
    [
        ("tiktok_keyword", "tiktok", {"keywords": ["home baking"]}, {}, [TIKTOK_DELAY] * 2),
        (
            "tiktok_similar",
            "tiktok-similar",
            {"username": "sundaysourdough"},
            {"api_limits__max_api_calls_tiktok_similar": 2},
            # The first search follows the target's profile at once; the delay is between searches.
            [0, TIKTOK_DELAY],
        ),
        (
            "youtube_keyword",
            "youtube",
            {"keywords": ["sourdough", "starter"]},
            {},
            [YOUTUBE_DELAY],
        ),
        (
            "youtube_similar",
            "youtube-similar",
            {"username": "BreadAndButterBakes"},
            {},
            [0, YOUTUBE_DELAY, YOUTUBE_DELAY],  # the target's channel, then three searches
        ),
    ],
    ids=["tiktok_keyword", "tiktok_similar", "youtube_keyword", "youtube_similar"],
)
async def test_steps_arrive_the_kinds_continuation_delay_apart(
    sqlite_store: Store,
    clock: ManualClock,
    scenario: str,
    route: str,
    body: dict[str, Any],
    config: dict[str, int],
    gaps: list[int],
) -> None:
    async with pipeline(sqlite_store, clock, [scenario]) as p:
        await p.configure(
            qstash_delays__tiktok_continuation_delay=f"{TIKTOK_DELAY}s",
            qstash_delays__youtube_continuation_delay=f"{YOUTUBE_DELAY}s",
            **config,
        )
        job = await p.run(route, **body)

        assert (job.status, job.error) == (JobStatus.COMPLETED, None)
        times = step_times(p)
        assert [step for step, _ in times] == list(range(len(gaps) + 1))
        # The emulator's clock only moves when a delay is due: each gap is the delay, exactly.
        assert [(b - a) / 1000 for (_, a), (_, b) in itertools.pairwise(times)] == gaps
