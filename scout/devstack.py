"""The offline pipeline in one event loop: QStash emulator, ScrapeCreators mock and the service."""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from emulator.qstash.app import build, create_app
from emulator.qstash.config import Config
from emulator.scrapecreators.app import create_app as create_mock
from emulator.scrapecreators.state import DEFAULT_API_KEY, MockConfig
from service.config.defaults import QSTASH_DELAYS
from service.testing import loopback_socket, running_service

HOST = "127.0.0.1"
DEV_ADMIN = "dev-admin"
# Short waits between a job's steps so a newcomer sees a whole job within seconds; written
# through the admin API at start (the production defaults are 2-30 s).
DEMO_DELAYS = {
    key.name: "1s"
    for key in (
        QSTASH_DELAYS.tiktok_continuation_delay,
        QSTASH_DELAYS.youtube_continuation_delay,
        QSTASH_DELAYS.retry_base_delay,
    )
}


@dataclass(frozen=True)
class Ports:
    service: int = 3000
    qstash: int = 8080
    mock: int = 8090


# The stack's three ports, in the order they are taken, with the names a message uses.
PORT_NAMES = {"qstash": "QStash emulator", "mock": "ScrapeCreators mock", "service": "service"}
_ADVICE = "stop what runs there or choose another port"


class PortTaken(Exception):
    """A port of the stack that cannot be had; the message names it and says what to do."""


def take_ports(ports: Ports) -> dict[str, socket.socket]:
    """Bind the stack's three ports now, keyed as PORT_NAMES, and hold them until the stack
    serves on them: no one can take one in between. PortTaken names the first that fails."""
    taken: dict[str, socket.socket] = {}
    try:
        for role, name in PORT_NAMES.items():
            port: int = getattr(ports, role)
            other = next((PORT_NAMES[r] for r in taken if getattr(ports, r) == port), None)
            if other is not None:
                raise PortTaken(f"port {port} is given to both the {other} and the {name}")
            try:
                taken[role] = loopback_socket(port)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise PortTaken(f"port {port} ({name}) is already in use; {_ADVICE}") from None
                raise PortTaken(f"cannot use port {port} ({name}): {error.strerror}") from None
    except PortTaken:
        for sock in taken.values():
            sock.close()
        raise
    return taken


@dataclass(frozen=True)
class DevStack:
    state_dir: Path
    ports: Ports
    env: dict[str, str]

    @property
    def qstash_url(self) -> str:
        return f"http://{HOST}:{self.ports.qstash}"

    @property
    def mock_url(self) -> str:
        return f"http://{HOST}:{self.ports.mock}"

    @property
    def service_url(self) -> str:
        return f"http://{HOST}:{self.ports.service}"


def service_env(state_dir: Path, ports: Ports, emulator: Config) -> dict[str, str]:
    """The service's environment in dev: everything local, development auth."""
    return {
        "QSTASH_URL": f"http://{HOST}:{ports.qstash}",
        "QSTASH_TOKEN": emulator.token,
        "QSTASH_CURRENT_SIGNING_KEY": emulator.current_key,
        "QSTASH_NEXT_SIGNING_KEY": emulator.next_key,
        "SCRAPECREATORS_API_URL": f"http://{HOST}:{ports.mock}",
        "SCRAPECREATORS_API_KEY": DEFAULT_API_KEY,
        "PUBLIC_BASE_URL": f"http://{HOST}:{ports.service}",
        "DATABASE_URL": f"sqlite+aiosqlite:///{state_dir / 'service.db'}",
        "AUTH_MODE": "dev",
        "ADMIN_USER_IDS": DEV_ADMIN,
    }


async def _serve(
    stack: AsyncExitStack, app: web.Application, sock: socket.socket, access: str | None
) -> None:
    # An access log only where it tells a story (publishes, ScrapeCreators calls).
    log = logging.getLogger(access) if access else None
    runner = web.AppRunner(app, handle_signals=False, access_log=log, access_log_format='"%r" %s')
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.SockSite(runner, sock).start()


@asynccontextmanager
async def running_dev_stack(
    state_dir: Path, ports: Ports, taken: Mapping[str, socket.socket]
) -> AsyncIterator[DevStack]:
    """Start emulator, mock and service (in that order: the service registers its sweep
    schedule with QStash as it starts) on the sockets `take_ports` bound for `ports`; stop
    them in reverse, state flushed to `state_dir` (which must exist)."""
    emulator_config = Config(db_path=str(state_dir / "qstash.db"))
    env = service_env(state_dir, ports, emulator_config)
    async with AsyncExitStack() as stack:
        for sock in taken.values():
            stack.callback(sock.close)  # what a start-up failure left unserved
        # Deliveries are held until the service listens: a message left due by the last run
        # would otherwise fail against a closed port and wait out a retry backoff.
        emulator = build(emulator_config)
        emulator.dispatcher.pause()
        await _serve(stack, create_app(emulator), taken["qstash"], "emulator.qstash.access")
        mock = create_mock(MockConfig(mode="synthetic"))
        await _serve(stack, mock, taken["mock"], "emulator.scrapecreators.access")
        await stack.enter_async_context(
            running_service(env, sock=taken["service"], access_log=None)
        )
        emulator.dispatcher.resume()
        # Unwound first: deliveries stop before the service does, while steps in flight can
        # still publish their next step to the emulator.
        stack.callback(emulator.dispatcher.pause)
        yield DevStack(state_dir, ports, env)
