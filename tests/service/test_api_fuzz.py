"""Property-based API test: schemathesis drives every documented operation of the live service.

The service runs in-process on a loopback port (SQLite, and PostgreSQL when configured);
schemathesis reads its /openapi.json and runs the same engine and checks as `schemathesis run
--checks all`: no server errors, only documented statuses and content types, bodies matching
their schemas, and data the document forbids rejected while data it allows is accepted.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.store import Store
from tests.service.conftest import ServiceStack, service_stack

ADMIN = "dev-admin"
# Fixed so a finding replays: the same seed draws the same cases against a fresh store.
SEED = 20_240_601
# Enough to reach every constraint's edges (the coverage phase enumerates them regardless);
# bounded so both engines together stay well under a minute.
MAX_EXAMPLES = 15
# The QStash-facing routes are fuzzed too, but schemathesis cannot sign for QStash: all they can
# show here is that unsigned requests get the documented 401 (tests/service/test_webhook.py and
# contracts/ drive them with real signatures).
# PUT /api/admin/config changes the `limits.*` the job bodies are documented with, so it runs
# after everything else, against the document it will have changed.
CONFIG_WRITE = "/api/admin/config"
# The events stream of a job still running never ends, and schemathesis reads a response to its
# end: it follows a finished job instead (one `end` event, then the stream closes), in a pass of
# its own, so every other operation still sees the running job. tests/service/test_job_events.py
# follows running jobs.
EVENTS = "/api/jobs/{id}/events"


def _config(
    base_url: str, campaign_id: str, job_id: str, *, config_write: bool
) -> SchemathesisConfig:
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "workers": 1,
            "headers": {"Authorization": f"Bearer dev:{ADMIN}"},
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            # Real ids half of the time, so the paths behind "not found" are exercised too.
            "dictionaries": {
                "campaigns": {"values": [campaign_id]},
                "jobs": {"values": [job_id]},
            },
            "parameters": {
                "body.campaignId": {"dictionary": "campaigns", "probability": 0.5},
                "query.jobId": {"dictionary": "jobs", "probability": 0.5},
                "path.id": {"dictionary": "jobs", "probability": 0.5},
            },
        }
    )
    # A config value's range is only in its description when the value is text (a duration,
    # or a number sent as a string): JSON Schema has no ranges over strings. So text inside the
    # document's pattern may still be refused there, with a 400 naming the key and its range;
    # every other check, negative data rejection included, runs on that operation too.
    excluded = ["positive_data_acceptance"] if config_write else []
    config.projects.override.checks.update(
        included_check_names=["all"], excluded_check_names=excluded
    )
    return config


def _describe(recorder: Any, case_id: str, check: Any) -> str:
    case = recorder.cases[case_id].value
    response = recorder.find_response(case_id=case_id)
    answer = f"{response.status_code} {response.text[:200]!r}" if response is not None else "-"
    info = check.failure_info
    title = info.failure.title if info is not None else check.name
    return (
        f"{case.operation.label}: {title} [{check.name}]\n"
        f"    sent query={case.query} body={str(case.body)[:200]}\n    got {answer}"
    )


# aiohttp's HTTP parser refuses a request framed with both Content-Length and Transfer-Encoding
# before any route sees it (a plain-text 400). Some engine releases send a bodiless POST that way;
# that answer comes from the HTTP server under the app, not from what the document describes.
FRAMING_REFUSED = "Content-Length can't be present with Transfer-Encoding"


def _refused_framing(recorder: Any, case_id: str) -> bool:
    response = recorder.find_response(case_id=case_id)
    return (
        response is not None
        and response.status_code == 400
        and (response.text.startswith(FRAMING_REFUSED))
    )


def _findings(document: dict[str, Any], config: SchemathesisConfig, *, run: str) -> list[str]:
    """Run the engine (blocking: it makes its calls with `requests`) and list what it found."""
    everything = schemathesis.openapi.from_dict(document, config=config)
    if run == "config_write":
        schema = everything.include(path=CONFIG_WRITE, method="PUT")
    elif run == "events":
        schema = everything.include(path=EVENTS, method="GET")
    else:
        schema = everything.exclude(path=CONFIG_WRITE, method="PUT").exclude(
            path=EVENTS, method="GET"
        )
    found: list[str] = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for case_id, checks in event.recorder.checks.items():
                found += [
                    _describe(event.recorder, case_id, check)
                    for check in checks
                    if check.status == Status.FAILURE
                    and not _refused_framing(event.recorder, case_id)
                ]
        elif isinstance(event, events.NonFatalError):
            found.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            found.append(f"fatal: {event.exception!r}")
    return sorted(set(found))


async def _new_job(stack: ServiceStack, campaign: str) -> str:
    response = await stack.client.post(
        "/api/scraping/tiktok",
        json={"keywords": ["home baking"], "campaignId": campaign},
        headers=stack.auth(ADMIN),
    )
    assert response.status == 200, await response.text()
    job_id: str = (await response.json())["jobId"]
    return job_id


async def _seed(stack: ServiceStack) -> tuple[str, str, str]:
    """A campaign, a job left pending, and a job that has ended (for the events stream)."""
    campaign = await stack.campaign(ADMIN)
    running, finished = await _new_job(stack, campaign), await _new_job(stack, campaign)
    assert await stack.store.mark_status(UUID(finished), JobStatus.ERROR, error="seeded")
    return campaign, running, finished


async def test_every_operation_keeps_to_its_document(store: Store, clock: ManualClock) -> None:
    async with service_stack(store, clock, ADMIN_USER_IDS=ADMIN) as stack:
        campaign, running, finished = await _seed(stack)
        base_url = stack.url
        found: list[str] = []
        for run, job_id in (("others", running), ("events", finished), ("config_write", running)):
            config = _config(base_url, campaign, job_id, config_write=run == "config_write")
            document = await (await stack.client.get("/openapi.json")).json()
            # The engine blocks; in a thread it leaves this loop free to serve its requests.
            found += await asyncio.to_thread(_findings, document, config, run=run)

    assert found == [], "\n".join(found)
