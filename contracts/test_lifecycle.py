"""Lifecycle contracts: every job kind runs from pending to completed, as its cassette says."""

from __future__ import annotations

import pytest

from contracts.scenarios import SCENARIOS, Scenario, check_outcome, follow, handles, start
from contracts.targets import Target

ORDER = {"pending": 0, "processing": 1, "completed": 2}


@pytest.mark.emulator_only
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
async def test_every_job_kind_completes_with_what_its_cassette_holds(
    target: Target, scenario: Scenario
) -> None:
    service, job_id = await start(target, scenario, exact=False)
    seen = await follow(target, service, scenario.route, job_id)

    statuses = [s["status"] for s in seen]
    assert [ORDER[s] for s in statuses] == sorted(ORDER[s] for s in statuses)
    if target.virtual_service_time:  # nothing is delivered before the test lets time pass
        assert statuses[0] == "pending"
        if seen[-1]["processedRuns"] > 1:
            assert "processing" in statuses  # a job of several steps is seen between them
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress), progress
    assert progress[-1] == 100

    assert seen[-1]["status"] == "completed"
    if await target.replays():  # the data is the cassette's, so the outcome is known exactly
        check_outcome(seen[-1], scenario)
        assert await target.unplayed() == []


@pytest.mark.emulator_only
async def test_polling_paging_and_csv_agree(target: Target) -> None:
    scenario = SCENARIOS[0]
    service, job_id = await start(target, scenario, exact=False)
    final = (await follow(target, service, scenario.route, job_id))[-1]
    assert final["totalResults"] > 4  # several pages of four

    pages = [
        await service.status(scenario.route, job_id, offset=offset, limit=4)
        for offset in range(0, final["totalResults"] + 4, 4)
    ]
    paged = [r for page in pages for r in page["results"]]
    assert pages[-1]["results"] == []
    assert paged == final["results"]

    rows = await service.csv_rows(job_id)
    assert [row["handle"] for row in rows] == handles(final["results"])
    assert [set(filter(None, row["emails"].split("; "))) for row in rows] == [
        set(r["emails"]) for r in final["results"]
    ]
