"""TikTok similar jobs against their limits: the search cap, the target, progress per step."""

from __future__ import annotations

from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import pipeline
from tests.service.stepping import paths, step_by_step

SEARCH = "/v1/tiktok/search/users"
DELAY = 2  # seconds: qstash_delays.tiktok_continuation_delay, set by each test
TARGET = {"username": "sundaysourdough"}
BY_FOLLOWERS = list(OUTCOMES["tiktok_similar"].handles)


async def test_the_default_cap_is_one_search(sqlite_store: Store, clock: ManualClock) -> None:
    async with pipeline(sqlite_store, clock, ["tiktok_similar"], allow_unplayed=True) as p:
        job = await p.run("tiktok-similar", **TARGET)

        assert (job.status, job.error, job.progress) == (JobStatus.COMPLETED, None, 100.0)
        assert (await paths(p)).count(SEARCH) == 1
        # The first search's creators, by followers (the second search found the others).
        assert await p.handles(job.id) == ["sourdough.sara", "levain_lab"]


async def test_a_small_target_keeps_the_top_creators_by_followers(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["tiktok_similar"]) as p:
        await p.configure(
            api_limits__max_api_calls_tiktok_similar=2,
            qstash_delays__tiktok_continuation_delay=f"{DELAY}s",
        )
        job_id = await p.start("tiktok-similar", **TARGET, targetResults=2)

        steps = await step_by_step(p, job_id, every=DELAY)

        # Both planned searches run whatever the target; after the first: 30·2/3 + 70·2/2.
        assert [job.progress for job in steps] == [90.0, 100.0]
        job = steps[-1]
        assert (job.status, job.processed_results) == (JobStatus.COMPLETED, 2)
        assert await p.handles(job_id) == BY_FOLLOWERS[:2]
