"""`scout dev`: the whole pipeline offline with one command, then a demo job to watch."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import aiohttp
from rich.console import Console

from emulator.qstash.store import StoreError
from scout import devlog
from scout.api_client import ServiceClient, ServiceError
from scout.demo import add_job_arguments, job_from, run_demo
from scout.devstack import (
    DEMO_DELAYS,
    DEV_ADMIN,
    DevStack,
    Ports,
    PortTaken,
    running_dev_stack,
    take_ports,
)
from service.config.settings import SettingsError
from service.store.reach import DatabaseUnavailable

PROG = "scout dev"


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1-65535)")
    return port


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run the QStash emulator, the ScrapeCreators mock (synthetic) and the service, "
        "wired together, then one demo job.",
    )
    parser.add_argument(
        "--state-dir", type=Path, default=Path(".scout"), help="where state lives (./.scout/)"
    )
    parser.add_argument("--port", type=_port, default=3000, help="the service's port (3000)")
    parser.add_argument(
        "--qstash-port", type=_port, default=8080, help="the emulator's port (8080)"
    )
    parser.add_argument("--mock-port", type=_port, default=8090, help="the mock's port (8090)")
    parser.add_argument("--no-demo", action="store_true", help="only run the stack")
    add_job_arguments(parser)
    return parser


def banner(stack: DevStack) -> str:
    env = "\n".join(f"  {key}={value}" for key, value in stack.env.items())
    auth = "-H 'Authorization: Bearer dev:demo' -H 'Content-Type: application/json'"
    return f"""\
creator-scout dev stack (state in {stack.state_dir}/)
  service         {stack.service_url}
  QStash emulator {stack.qstash_url}   (control API under /_emulator/)
  dashboard       {stack.qstash_url}/_emulator/ui/   (the emulator's, in a browser)
  mock            {stack.mock_url}   (synthetic ScrapeCreators)

The service runs with:
{env}

Short step delays seeded through the admin API so jobs finish in seconds:
  {", ".join(f"{key}={value}" for key, value in DEMO_DELAYS.items())}

Try it:
  curl -s -X POST {stack.service_url}/api/campaigns {auth} -d '{{"name": "Spring launch"}}'
  curl -s -X POST {stack.service_url}/api/scraping/tiktok {auth} \\
       -d '{{"keywords": ["home baking"], "targetResults": 20, "campaignId": "<id from above>"}}'
  curl -s '{stack.service_url}/api/scraping/tiktok?jobId=<jobId>' {auth}

Ctrl-C stops everything; state is kept for the next start."""


async def _seed(stack: DevStack) -> None:
    async with aiohttp.ClientSession() as http:
        await ServiceClient(http, stack.service_url, admin=DEV_ADMIN).configure(DEMO_DELAYS)


async def _run(
    args: argparse.Namespace, ports: Ports, taken: dict[str, socket.socket], console: Console
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running_dev_stack(args.state_dir, ports, taken) as stack:
        await _seed(stack)
        console.print(banner(stack), highlight=False, markup=False, soft_wrap=True)
        if not args.no_demo:
            demo = asyncio.create_task(
                run_demo(stack.service_url, job_from(args), user=args.user, console=console)
            )
            waiter = asyncio.create_task(stop.wait())
            await asyncio.wait({demo, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if not demo.done():
                demo.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await demo
                except ServiceError as error:
                    console.print(f"demo failed: {error}", markup=False)
            if not stop.is_set():
                console.print("The stack keeps running; Ctrl-C to stop.")
        await stop.wait()
        console.print("stopping…")
    console.print("stopped; state kept in", str(args.state_dir))
    return 0


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    ports = Ports(service=args.port, qstash=args.qstash_port, mock=args.mock_port)
    try:
        taken = take_ports(ports)
    except PortTaken as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    console = Console()
    devlog.configure(console)
    try:
        args.state_dir.mkdir(parents=True, exist_ok=True)
        return asyncio.run(_run(args, ports, taken, console))
    except (SettingsError, StoreError, DatabaseUnavailable) as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        print(f"{PROG}: {error.strerror or error}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C before the stack's own handler was installed
        return 0
    finally:
        for sock in taken.values():
            sock.close()  # already closed by the stack unless it failed before serving them
