"""`scout demo`: it follows a job on its event stream and offers to cancel it on Ctrl-C; bad
starts of `scout demo` and `scout dev` (a clear message, exit code 2)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import pty
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from scout import demo, dev
from service.clock import ManualClock
from service.jobs.enums import JobStatus
from service.keys import PARTS
from service.store import KeyedCreator, StepChanges, Store
from service.testing import free_port
from tests.service.conftest import ServiceStack, service_stack


def test_demo_without_a_stack_says_so_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    assert demo.main(["--service-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"scout demo: cannot reach {url}")
    assert err.count("\n") == 1


def test_dev_refuses_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        dev.main(["--port", "70000"])
    assert exit_info.value.code == 2
    assert "argument --port: 70000 is not a port number" in capsys.readouterr().err


def _event(event_id: int, name: str, status: str, progress: float) -> bytes:
    data = {
        "jobId": "job-1",
        "status": status,
        "progress": progress,
        "processedResults": event_id,
        "targetResults": 30,
        "processedRuns": event_id // 2,
        "step": event_id // 2,
        "error": None,
    }
    return f"id: {event_id}\nevent: {name}\ndata: {json.dumps(data)}\n\n".encode()


async def test_a_dropped_stream_resumes_after_the_last_event_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo, "RECONNECT_SECONDS", 0.0)
    asked_after: list[str | None] = []

    async def dropped() -> AsyncIterator[bytes]:
        yield _event(2, "progress", "processing", 40.0)
        raise httpx.ReadError("connection reset by peer")

    async def answer(request: httpx.Request) -> httpx.Response:
        asked_after.append(request.headers.get("Last-Event-ID"))
        body = dropped() if len(asked_after) == 1 else _event(5, "end", "completed", 100.0)
        return httpx.Response(200, headers={"Content-Type": "text/event-stream"}, content=body)

    seen: list[float] = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        final = await demo.follow_job(
            http,
            "http://127.0.0.1:9",
            "job-1",
            user="demo",
            update=lambda s: seen.append(s["progress"]),
        )

    assert asked_after == [None, "2"]
    assert seen == [40.0, 100.0]
    assert final is not None
    assert final["status"] == "completed"


async def eventually(condition: Callable[[], object]) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 (the service's subscriber set is all there is)
            await asyncio.sleep(0.01)


async def test_demo_follows_the_job_through_its_event_stream(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    store = Store.open(f"sqlite:///{tmp_path / 'scout.db'}", clock)
    await store.upgrade()
    output = io.StringIO()
    try:
        async with service_stack(store, clock) as stack:
            url = stack.url
            feed = stack.app[PARTS].job_changes
            with caplog.at_level(logging.INFO, logger="aiohttp.access"):
                running = asyncio.create_task(
                    demo.run_demo(url, demo.DemoJob("tiktok"), console=Console(file=output))
                )
                await eventually(lambda: feed.watched)  # the demo is on the job's stream
                (job_id,) = feed.watched
                changes = StepChanges(status=JobStatus.PROCESSING, add_runs=1, progress=40.0)
                found = [KeyedCreator(h, {"platform": "TikTok", "handle": h}) for h in "ab"]
                assert await store.commit_step(job_id, 0, creators=found, updates=changes)
                done = StepChanges(status=JobStatus.COMPLETED, add_runs=1, progress=100.0)
                assert await store.commit_step(job_id, 1, updates=done)
                async with asyncio.timeout(10):
                    status = await running
    finally:
        await store.close()

    assert status["status"] == "completed"
    assert "2 creators found" in output.getvalue()
    requests = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    # The job was followed on its stream; its status was read once, for the creators to show.
    assert sum(f"/api/jobs/{job_id}/events" in line for line in requests) == 1
    assert sum("/api/scraping/tiktok?" in line for line in requests) == 1


@asynccontextmanager
async def demo_service(tmp_path: Path) -> AsyncIterator[ServiceStack]:
    """The service on loopback; its QStash emulator's clock never moves, so jobs stay pending."""
    store = Store.open(f"sqlite:///{tmp_path / 'scout.db'}", ManualClock())
    await store.upgrade()
    try:
        async with service_stack(store, ManualClock()) as stack:
            yield stack
    finally:
        await store.close()


async def interrupted_demo(
    stack: ServiceStack, stdin: int
) -> tuple[asyncio.subprocess.Process, str]:
    """`scout demo` against the stack, sent SIGINT (Ctrl-C) once it has started its job."""
    url = stack.url
    demo_process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "scout",
        "demo",
        "--service-url",
        url,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )
    assert demo_process.stdout is not None
    line = (await asyncio.wait_for(demo_process.stdout.readline(), 30)).decode()
    started = re.search(r"job ([0-9a-f-]{36})", line)
    assert started is not None, line
    demo_process.send_signal(signal.SIGINT)
    return demo_process, started.group(1)


async def job_status(stack: ServiceStack, job_id: str) -> str:
    response = await stack.client.get(
        f"/api/scraping/tiktok?jobId={job_id}", headers=stack.auth("demo")
    )
    return str((await response.json())["status"])


async def test_ctrl_c_without_a_terminal_leaves_the_job_running_and_says_so(
    tmp_path: Path,
) -> None:
    async with demo_service(tmp_path) as stack:
        process, job_id = await interrupted_demo(stack, asyncio.subprocess.PIPE)
        output, _ = await asyncio.wait_for(process.communicate(b"y\n"), 30)

        assert process.returncode == 130, output.decode()
        assert f"job {job_id} keeps running (no terminal to ask about it)" in output.decode()
        assert "Cancel job" not in output.decode()
        assert await job_status(stack, job_id) == "pending"


@pytest.mark.parametrize(("answer", "status"), [("y", "cancelled"), ("n", "pending")])
async def test_ctrl_c_on_a_terminal_offers_to_cancel_the_job(
    tmp_path: Path, answer: str, status: str
) -> None:
    terminal, terminal_side = pty.openpty()
    try:
        async with demo_service(tmp_path) as stack:
            process, job_id = await interrupted_demo(stack, terminal_side)
            assert process.stdout is not None
            prompt = f"Cancel job {job_id}? [y/N] ".encode()
            seen = b""
            while prompt not in seen:
                chunk = await asyncio.wait_for(process.stdout.read(200), 30)
                assert chunk, seen.decode()
                seen += chunk
            os.write(terminal, f"{answer}\n".encode())
            rest = await asyncio.wait_for(process.stdout.read(), 30)
            await process.wait()

            assert process.returncode == 130, (seen + rest).decode()
            expected = {
                "cancelled": f"job {job_id} cancelled (its queued step taken back)",
                "pending": f"job {job_id} keeps running",
            }[status]
            assert expected in rest.decode()
            assert await job_status(stack, job_id) == status
    finally:
        os.close(terminal)
        os.close(terminal_side)
