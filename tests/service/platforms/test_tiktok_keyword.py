"""TikTok keyword jobs end to end: paging by the response cursor, bios, dedupe, stop rules."""

from __future__ import annotations

from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.pipeline import pipeline


async def test_a_keyword_job_pages_until_has_more_is_zero(
    sqlite_store: Store, clock: ManualClock
) -> None:
    async with pipeline(sqlite_store, clock, ["tiktok_keyword"]) as p:
        job = await p.run("tiktok", keywords=["home baking"], targetResults=100)

        assert (job.status, job.error, job.progress) == (JobStatus.COMPLETED, None, 100.0)
        assert (job.processed_runs, job.processed_results) == (3, 6)
        handles = await p.handles(job.id)
        assert "flourcloud_gone" not in handles  # deactivated: dropped
        assert handles[:4] == ["crumbandkettle", "nadia.bakes.home", "loafer_league", "the_rye_way"]
        assert len(handles) == len(set(handles)) == 6
        results = {c["handle"]: c for c in await p.store.list_results(job.id)}
        assert results["quietcrumbs"]["bio"] == ""
        assert results["quietcrumbs"]["isPrivate"] is True
        assert sorted(await p.emails(job.id)) == OUTCOMES["tiktok_keyword"].sorted_emails
