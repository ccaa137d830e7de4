"""HTTP handles on the emulator's /_emulator/* and the mock's /_mock/* controls."""

from __future__ import annotations

from typing import Any

import aiohttp

JsonDict = dict[str, Any]


async def _json(response: aiohttp.ClientResponse) -> Any:
    if response.status >= 400:
        raise AssertionError(
            f"{response.method} {response.url} answered {response.status}: {await response.text()}"
        )
    return await response.json()


class FaultControl:
    """`fault()`, `faults()`, `clear_faults()` over `{prefix}/faults`: the routes and methods
    both emulators share (the in-process handles have the same ones)."""

    http: aiohttp.ClientSession
    url: str
    prefix: str

    async def fault(self, match: str, kind: str, count: int = 1, **params: Any) -> JsonDict:
        """Arm a rule: the next `count` requests whose target `match` selects meet `kind`."""
        body = {"match": match, "kind": kind, "count": count, **params}
        async with self.http.post(f"{self.url}{self.prefix}/faults", json=body) as response:
            rule: JsonDict = (await _json(response))["fault"]
            return rule

    async def faults(self) -> list[JsonDict]:
        async with self.http.get(f"{self.url}{self.prefix}/faults") as response:
            rules: list[JsonDict] = (await _json(response))["faults"]
            return rules

    async def clear_faults(self) -> None:
        async with self.http.delete(f"{self.url}{self.prefix}/faults") as response:
            await _json(response)


class EmulatorControl(FaultControl):
    """The emulator's control API (clock, drain, transcript, faults) and its key endpoints."""

    prefix = "/_emulator"

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self.http, self.url, self.token = http, url.rstrip("/"), token

    async def clock(self) -> JsonDict:
        async with self.http.get(f"{self.url}/_emulator/clock") as response:
            clock: JsonDict = await _json(response)
            return clock

    async def now(self) -> float:
        return float((await self.clock())["nowSeconds"])

    async def advance(self, seconds: float) -> None:
        """Move QStash time forward, delivering everything that falls due on the way."""
        async with self.http.post(
            f"{self.url}/_emulator/clock", json={"advance": seconds}
        ) as response:
            await _json(response)

    async def drain(self) -> None:
        async with self.http.post(f"{self.url}/_emulator/drain") as response:
            await _json(response)

    async def deliveries(self, url: str | None = None) -> list[JsonDict]:
        params = {"url": url} if url else {}
        async with self.http.get(f"{self.url}/_emulator/deliveries", params=params) as response:
            records: list[JsonDict] = (await _json(response))["deliveries"]
            return records

    async def rotate_keys(self) -> tuple[str, str]:
        """Rotate the signing keys as QStash does; returns the new (current, next)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.http.post(f"{self.url}/v2/keys/rotate", headers=headers) as response:
            keys = await _json(response)
            return str(keys["current"]), str(keys["next"])


class MockControl(FaultControl):
    """The ScrapeCreators mock's control API (mode, cassettes, faults, unplayed recordings)."""

    prefix = "/_mock"

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url = http, url.rstrip("/")

    async def mode(self) -> str:
        async with self.http.get(f"{self.url}/_mock/status") as response:
            return str((await _json(response))["mode"])

    async def load(self, *cassettes: str) -> None:
        """Serve these cassettes from the top (replay mode)."""
        body = {"cassettes": list(cassettes)}
        async with self.http.post(f"{self.url}/_mock/cassettes", json=body) as response:
            await _json(response)

    async def unplayed(self) -> list[JsonDict]:
        async with self.http.get(f"{self.url}/_mock/unplayed") as response:
            left: list[JsonDict] = (await _json(response))["unplayed"]
            return left
