"""`scout demo` and `scout dev`: bad starts (a clear message, exit code 2), and Ctrl-C in a demo."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from scout import demo, dev
from service.clock import ManualClock
from service.store import Store
from tests.scout.devprocess import free_port
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
    url = str(stack.client.make_url("")).rstrip("/")
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
