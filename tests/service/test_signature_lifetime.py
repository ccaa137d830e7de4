"""A delivery's signature holds until the `exp` QStash gave it (issued + 300 s) and not a second
longer: the one wall-clock check in the webhook, at its exact boundary under a frozen clock."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from freezegun import freeze_time

from service.clock import ManualClock
from service.store import Store
from tests.service.pipeline import WEBHOOK, Pipeline, pipeline, signature

LIFETIME = 300  # seconds from `iat` to `exp` in every QStash signature
BODY = json.dumps({"jobId": str(uuid4()), "step": 0})


@pytest.fixture
async def idle(sqlite_store: Store, clock: ManualClock) -> AsyncIterator[Pipeline]:
    async with pipeline(sqlite_store, clock) as running:
        yield running


@pytest.mark.parametrize(
    ("age", "status"),
    [
        # Verified: the job does not exist, which QStash must not retry (489).
        pytest.param(LIFETIME - 1, 489, id="a second before exp"),
        pytest.param(LIFETIME, 401, id="at exp"),
    ],
)
async def test_a_signature_is_accepted_until_its_exp(idle: Pipeline, age: int, status: int) -> None:
    key = idle.stack.emulator.current_signing_key
    # The event loop keeps real time (real_asyncio): only PyJWT's reading of the clock stops.
    with freeze_time("2030-01-02 03:04:05", real_asyncio=True):
        token = signature(key, idle.url(WEBHOOK), BODY, now=time.time() - age)
        response = await idle.post_signed(WEBHOOK, BODY, token=token)
        answer = await response.json()

    assert response.status == status, answer
    assert answer == (
        {"error": "job not found"} if status == 489 else {"error": "invalid QStash signature"}
    )
