"""A client of the service's job API (campaigns, jobs, status, CSV) for demos and contracts."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import aiohttp

JsonDict = dict[str, Any]
ACTIVE = frozenset({"pending", "processing"})


class ServiceError(Exception):
    """The service answered with an unexpected status; the message holds its body."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ServiceClient:
    """Calls the service as one user (development auth: `Bearer dev:<user>`)."""

    def __init__(
        self, http: aiohttp.ClientSession, url: str, *, user: str | None = None, admin: str
    ) -> None:
        self.http, self.url = http, url.rstrip("/")
        # A fresh user per client keeps contracts on a shared stack out of each other's way.
        self.user = user or f"user-{uuid.uuid4().hex[:10]}"
        self.admin = admin

    def _auth(self, user: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer dev:{user or self.user}"}

    async def _call(
        self, method: str, path: str, *, expect: int = 200, user: str | None = None, **kw: Any
    ) -> aiohttp.ClientResponse:
        response = await self.http.request(
            method, f"{self.url}{path}", headers=self._auth(user), **kw
        )
        await response.read()
        if response.status != expect:
            text = await response.text()
            raise ServiceError(
                f"{method} {path} answered {response.status}, not {expect}: {text}", response.status
            )
        return response

    async def campaign(self, name: str = "Contract campaign") -> str:
        response = await self._call("POST", "/api/campaigns", expect=201, json={"name": name})
        return str((await response.json())["id"])

    async def create_job(self, route: str, body: JsonDict, *, campaign: str | None = None) -> str:
        """POST /api/scraping/<route>; returns the job id."""
        payload = {**body, "campaignId": campaign or await self.campaign()}
        response = await self._call("POST", f"/api/scraping/{route}", json=payload)
        return str((await response.json())["jobId"])

    async def status(
        self, route: str, job_id: str, *, offset: int | None = None, limit: int | None = None
    ) -> JsonDict:
        params: dict[str, str] = {"jobId": job_id}
        if offset is not None:
            params["offset"] = str(offset)
        if limit is not None:
            params["limit"] = str(limit)
        response = await self._call("GET", f"/api/scraping/{route}", params=params)
        status: JsonDict = await response.json()
        return status

    async def cancel(self, job_id: str) -> tuple[int, JsonDict]:
        """POST /api/jobs/{id}/cancel; (status, body): 200 with the job, or 409 when it ended."""
        response = await self.http.post(
            f"{self.url}/api/jobs/{job_id}/cancel", headers=self._auth()
        )
        body: JsonDict = await response.json()
        if response.status not in (200, 409):
            raise ServiceError(
                f"POST /api/jobs/{job_id}/cancel answered {response.status}: {body}",
                response.status,
            )
        return response.status, body

    async def campaign_jobs(self, campaign_id: str) -> list[JsonDict]:
        """The campaign's jobs as stored (this view never marks an overdue job itself)."""
        response = await self._call("GET", f"/api/campaigns/{campaign_id}")
        jobs: list[JsonDict] = (await response.json())["jobs"]
        return jobs

    async def csv_rows(self, job_id: str) -> list[dict[str, str]]:
        response = await self._call("GET", f"/api/jobs/{job_id}/results.csv")
        return list(csv.DictReader(io.StringIO(await response.text())))

    async def configure(self, values: JsonDict) -> None:
        """Set dynamic config as the admin (PUT /api/admin/config)."""
        await self._call("PUT", "/api/admin/config", user=self.admin, json=values)
