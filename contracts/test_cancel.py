"""Cancellation contract: a cancelled job's queued step leaves QStash, and a late one is a no-op."""

from __future__ import annotations

import pytest
from qstash.errors import QStashError
from qstash.log import LogState

from contracts.scenarios import SCENARIOS, start
from contracts.targets import Target, publish


@pytest.mark.emulator_only
async def test_a_cancelled_jobs_queued_step_is_gone_and_a_forced_late_one_changes_nothing(
    target: Target,
) -> None:
    scenario = SCENARIOS[0]  # TikTok keyword: three steps with continuation delays between
    emulator = target.needs_emulator("reading the delivery transcript")
    service, job_id = await start(target, scenario)
    assert await target.tick()  # step 0 runs; step 1 waits in QStash for its delay
    running = await service.status(scenario.route, job_id)
    assert (running["status"], running["processedRuns"]) == ("processing", 1)
    delivered = {d["messageId"] for d in await emulator.deliveries(target.webhook_url)}
    async with target.publisher() as qstash:
        created = await qstash.log.list(
            filter={"url": target.webhook_url, "state": LogState.CREATED}
        )
        [waiting] = {log.message_id for log in created.logs} - delivered

        code, cancelled = await service.cancel(job_id)

        assert (code, cancelled["status"], cancelled["messageCancelled"]) == (
            200,
            "cancelled",
            True,
        )
        with pytest.raises(QStashError, match="404"):
            await qstash.message.get(waiting)

        await target.advance(3600)  # long past the step's delay: nothing arrives
        assert len(await emulator.deliveries(target.webhook_url)) == len(delivered)
        unplayed = len(await target.unplayed())

        # Force the late delivery QStash would have made: the same step message, sent again.
        late = await publish(
            qstash, url=target.webhook_url, body={"jobId": job_id, "step": 1}, retries=0
        )
        await target.settle()

    [answer] = [d for d in await emulator.deliveries(target.webhook_url) if d["messageId"] == late]
    assert answer["status"] == 200
    after = await service.status(scenario.route, job_id)
    assert after["status"] == "cancelled"
    assert (after["processedResults"], after["processedRuns"], after["progress"]) == (
        running["processedResults"],
        running["processedRuns"],
        running["progress"],
    )
    assert after["results"] == running["results"]
    assert len(await target.unplayed()) == unplayed  # ScrapeCreators was not called again
    assert await service.cancel(job_id) == (409, {"error": "job already cancelled"})
