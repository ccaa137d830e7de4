"""The whole pipeline for webhook tests: service + QStash emulator + ScrapeCreators mock."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import jwt
import yaml
from aiohttp import ClientResponse

from emulator.scrapecreators.testing import RunningMock, running_mock
from fixtures.outcomes import OUTCOMES
from service.clock import ManualClock
from service.store import Job, Store
from tests.service.conftest import ServiceStack, service_stack

API = "https://api.scrapecreators.com"


def signature(
    key: str, url: str, body: str, *, now: float | None = None, claims: dict[str, Any] | None = None
) -> str:
    """A QStash-shaped token (HS256, `sub` = url, `body` = padded base64url SHA-256)."""
    issued = int(time.time() if now is None else now)
    digest = base64.urlsafe_b64encode(hashlib.sha256(body.encode()).digest()).decode()
    payload: dict[str, Any] = {
        "aud": "",
        "body": digest,
        "exp": issued + 300,
        "iat": issued,
        "iss": "Upstash",
        "jti": "jwt_test",
        "nbf": issued,
        "sub": url,
    }
    payload.update(claims or {})
    return jwt.encode(payload, key, algorithm="HS256")


def cassette(folder: Path, *answers: tuple[str, dict[str, Any]] | tuple[str, Any, int]) -> Path:
    """A one-off cassette: each (path?query, JSON body[, status]) answered once."""
    interactions = [
        {
            "request": {"method": "GET", "uri": f"{API}{answer[0]}", "body": None, "headers": {}},
            "response": {
                "status": {"code": answer[2] if len(answer) == 3 else 200, "message": "-"},
                "headers": {"Content-Type": ["application/json"]},
                "body": {"string": json.dumps(answer[1])},
            },
        }
        for answer in answers
    ]
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "interactions": interactions}))
    return path


@dataclass
class Pipeline:
    stack: ServiceStack
    mock: RunningMock

    @property
    def store(self) -> Store:
        return self.stack.store

    async def configure(self, **values: int | str) -> None:
        """Set dynamic-config keys (`api_limits__max_api_calls_youtube=2` style, `__` = `.`)."""
        from service.keys import PARTS

        named = {name.replace("__", "."): value for name, value in values.items()}
        await self.stack.app[PARTS].config.update(named)

    async def start(self, route: str, **body: Any) -> UUID:
        """Create a job through the API (in a fresh campaign); returns its id."""
        campaign = await self.stack.campaign()
        response = await self.stack.client.post(
            f"/api/scraping/{route}",
            json={"campaignId": campaign, **body},
            headers=self.stack.auth(),
        )
        assert response.status == 200, await response.text()
        return UUID((await response.json())["jobId"])

    async def run(self, route: str, **body: Any) -> Job:
        """Create a job and let QStash deliver until nothing is pending; the final job row."""
        job_id = await self.start(route, **body)
        await self.stack.emulator.run_until_idle()
        return await self.job(job_id)

    async def job(self, job_id: UUID) -> Job:
        job = await self.store.get_job(job_id)
        assert job is not None
        return job

    async def handles(self, job_id: UUID) -> list[str]:
        return [creator["handle"] for creator in await self.store.list_results(job_id)]

    async def emails(self, job_id: UUID) -> list[str]:
        found = await self.store.list_results(job_id)
        return [email for creator in found for email in creator["emails"]]

    def url(self, path: str) -> str:
        return f"{self.stack.settings.public_base_url}{path}"

    async def post_signed(
        self,
        path: str,
        payload: Any,
        *,
        key: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> ClientResponse:
        """POST `payload` to a QStash route as QStash would (signed with the current key)."""
        body = payload if isinstance(payload, str) else json.dumps(payload)
        if token is None:
            key = key or self.stack.emulator.current_signing_key
            token = signature(key, self.url(path), body)
        return await self.stack.client.post(
            path,
            data=body,
            headers={
                "Upstash-Signature": token,
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )

    async def deliver(self, job_id: UUID, step: int) -> dict[str, Any]:
        response = await self.post_signed(
            "/api/qstash/process-scraping", {"jobId": str(job_id), "step": step}
        )
        assert response.status == 200, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer


def _follower(clock: ManualClock) -> Callable[[float], None]:
    def follow(seconds: float) -> None:
        clock.advance(seconds)

    return follow


@asynccontextmanager
async def pipeline(
    store: Store,
    clock: ManualClock,
    cassettes: Sequence[str | Path] = (),
    *,
    allow_unplayed: bool = False,
    **env: str,
) -> AsyncIterator[Pipeline]:
    """The stack wired to a mock replaying `cassettes`; leaving it checks every one played."""
    async with running_mock(list(cassettes), allow_unplayed=allow_unplayed) as mock:
        settings = {"SCRAPECREATORS_API_URL": mock.url, "SWEEP_SCHEDULE": "false", **env}
        async with service_stack(store, clock, **settings) as stack:
            # One virtual time: a QStash delay that passes passes for the service too (the
            # service can still be moved on alone with `clock.advance`).
            stack.emulator.state.clock.on_advance.append(_follower(clock))
            yield Pipeline(stack, mock)


WEBHOOK = "/api/qstash/process-scraping"
BAKING = {"keywords": ["home baking"], "targetResults": 100}
BAKING_HANDLES = list(OUTCOMES["tiktok_keyword"].handles)


def step_deliveries(p: Pipeline) -> list[tuple[int, int | None]]:
    """(step, status) of every webhook delivery, in order."""
    return [
        (json.loads(d["body"])["step"], d["status"])
        for d in p.stack.emulator.deliveries()
        if d["url"].endswith(WEBHOOK)
    ]
