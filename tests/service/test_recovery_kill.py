"""Recovery on the real clock: `scout serve` SIGKILLed mid-step, QStash away after a commit.

Real subprocesses (QStash emulator, ScrapeCreators mock, the service) on loopback with an
exported environment, default dynamic config and no sweeper: what moves the job again is the
lease running out (item 1) and the outbox (item 2), within 30 s.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.testing import free_port
from tests.service.test_cli import (
    clean_environment,
    read_until,
    service_environment,
    started,
    wait_healthy,
)

TARGET_SECONDS = 30.0
AUTH = {"Authorization": "Bearer dev:alice"}
SEARCH = "/v1/tiktok/search/keyword"
# Slow enough that the step is surely in flight when the test acts, short enough for the bound.
STEP_LATENCY = "4s"


@dataclass
class Stack:
    tmp_path: Path
    env: dict[str, str]
    mock_url: str
    service_url: str
    port: int

    @contextmanager
    def serve(self, name: str) -> Iterator[subprocess.Popen[bytes]]:
        """`scout serve` as a process (its output in `<name>.log`), healthy on return."""
        log = self.tmp_path / f"{name}.log"
        with (
            log.open("w") as output,
            subprocess.Popen(
                [sys.executable, "-m", "scout", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=self.tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
            ) as process,
        ):
            try:
                wait_healthy(self.service_url, process, log)
                yield process
            finally:
                if process.poll() is None:
                    process.terminate()
                    process.wait(timeout=10)

    def create_job(self) -> str:
        campaign = httpx.post(
            f"{self.service_url}/api/campaigns", json={"name": "Recovery"}, headers=AUTH
        )
        assert campaign.status_code == 201, campaign.text
        created = httpx.post(
            f"{self.service_url}/api/scraping/tiktok",
            json={
                "campaignId": campaign.json()["id"],
                "keywords": ["home baking"],
                "targetResults": 1000,
            },
            headers=AUTH,
        )
        assert created.status_code == 200, created.text
        job_id: str = created.json()["jobId"]
        return job_id

    def runs(self, job_id: str) -> int:
        status = httpx.get(
            f"{self.service_url}/api/scraping/tiktok", params={"jobId": job_id}, headers=AUTH
        )
        assert status.status_code == 200, status.text
        assert status.json()["status"] in ("pending", "processing"), status.json()
        runs: int = status.json()["processedRuns"]
        return runs

    def slow_down_next_search(self) -> None:
        fault = {"path": SEARCH, "kind": "latency", "delay": STEP_LATENCY, "count": 1}
        assert httpx.post(f"{self.mock_url}/_mock/faults", json=fault).status_code < 300

    def searches(self) -> int:
        log: list[dict[str, Any]] = httpx.get(f"{self.mock_url}/_mock/requests").json()["requests"]
        return sum(1 for entry in log if entry["path"] == SEARCH)


def until(condition: Callable[[], bool], within: float, what: str) -> float:
    """Poll `condition` on the real clock; the seconds it took (fails after `within`)."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        if condition():
            return time.monotonic() - start
        time.sleep(0.2)  # real subprocesses on the real clock: nothing to advance instead
    raise AssertionError(f"{what} not within {within:.0f} s")


@contextmanager
def emulator(tmp_path: Path, port: int) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """`scout emulator` on `port` with its state in a file (a restart keeps its messages);
    the process and the QSTASH_* variables it prints."""
    db = str(tmp_path / "qstash.db")
    args = ("emulator", "--port", str(port), "--db", db)
    with started(*args, env=clean_environment(), cwd=tmp_path) as process:
        printed = read_until(process.stdout, r"^QSTASH_NEXT_SIGNING_KEY=")
        yield (
            process,
            dict(line.strip().split("=", 1) for line in printed if line.startswith("QSTASH_")),
        )


@contextmanager
def stack(tmp_path: Path, qstash: dict[str, str], exits: ExitStack) -> Iterator[Stack]:
    mock = exits.enter_context(
        started("mock", "--mode", "synthetic", "--port", "0", env=clean_environment(), cwd=tmp_path)
    )
    mock_url = re.findall(r"on (http://\S+)", "".join(read_until(mock.stdout, r" on http")))[0]
    port = free_port()
    service_url = f"http://127.0.0.1:{port}"
    env = service_environment(
        qstash,
        mock_url,
        service_url,
        tmp_path,
        ADMIN_USER_IDS="alice",
        SWEEP_SCHEDULE="false",  # no sweeper: recovery must not lean on it
    )
    yield Stack(tmp_path, env, mock_url, service_url, port)


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_a_service_killed_mid_step_moves_the_job_on_within_30_s_of_restarting(
    tmp_path: Path,
) -> None:
    with ExitStack() as exits:
        _, qstash = exits.enter_context(emulator(tmp_path, free_port()))
        s = exits.enter_context(stack(tmp_path, qstash, exits))
        with s.serve("first") as first:
            s.slow_down_next_search()
            job_id = s.create_job()
            until(lambda: s.searches() == 1, 15, "the first search in flight")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        with s.serve("restarted"):
            listening = time.monotonic()
            until(lambda: s.runs(job_id) >= 1, 40, "the job's first step after the restart")
            moved_after = time.monotonic() - listening

    print(f"restart to the job moving again: {moved_after:.1f} s")
    assert moved_after < TARGET_SECONDS


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_a_next_step_refused_while_qstash_is_away_is_queued_within_30_s_of_its_return(
    tmp_path: Path,
) -> None:
    port = free_port()
    with ExitStack() as exits:
        qstash, env = exits.enter_context(emulator(tmp_path, port))
        s = exits.enter_context(stack(tmp_path, env, exits))
        with s.serve("service"):
            s.slow_down_next_search()
            job_id = s.create_job()
            until(lambda: s.searches() == 1, 15, "the first search in flight")
            # QStash dies while the step runs: the commit lands, its publish cannot.
            qstash.send_signal(signal.SIGKILL)
            qstash.wait(timeout=10)
            until(lambda: s.runs(job_id) == 1, 15, "the first step's commit")
            time.sleep(3)  # QStash stays away for a while (real processes, real clock)
            assert s.runs(job_id) == 1
            with emulator(tmp_path, port):
                back = time.monotonic()
                until(lambda: s.runs(job_id) >= 2, 40, "the second step after QStash came back")
                queued_after = time.monotonic() - back

    print(f"QStash back to the next step running: {queued_after:.1f} s")
    assert queued_after < TARGET_SECONDS
