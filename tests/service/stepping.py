"""Drive a job one QStash delivery at a time: the job row after each step, and the steps' times."""

from __future__ import annotations

import json
from uuid import UUID

from service.store import Job
from tests.service.pipeline import WEBHOOK, Pipeline

# More steps than any cassette holds: a job still running after this many is a failure.
MAX_STEPS = 10


async def step_by_step(p: Pipeline, job_id: UUID, *, every: float) -> list[Job]:
    """The job after each round of deliveries, the emulator's clock moved `every` seconds
    between them.

    `every` is the continuation delay the test configured: each advance brings exactly one
    step due, so a job whose steps come sooner or later than that shows it in what is returned.
    The first round is what arrives at once: step 0, and for a similar job its first search too
    (which follows the target's look-up without a pause).
    """
    emulator = p.stack.emulator
    await emulator.drain()
    seen = [await p.job(job_id)]
    while not seen[-1].status.is_final:
        assert len(seen) < MAX_STEPS, [job.processed_runs for job in seen]
        await emulator.advance(every)
        seen.append(await p.job(job_id))
    return seen


def step_times(p: Pipeline) -> list[tuple[int, int]]:
    """(step, emulator time in milliseconds) of every webhook delivery answered 200, in order."""
    return [
        (json.loads(d["body"])["step"], d["time"])
        for d in p.stack.emulator.deliveries()
        if d["url"].endswith(WEBHOOK) and d["status"] == 200
    ]


async def paths(p: Pipeline) -> list[str]:
    """The path of every request the ScrapeCreators mock answered, in order."""
    return [entry["path"] for entry in await p.mock.requests()]
