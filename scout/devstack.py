"""The offline pipeline in one event loop: QStash emulator, ScrapeCreators mock and the service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
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
    stack: AsyncExitStack, app: web.Application, port: int, access: str | None
) -> None:
    # An access log only where it tells a story (publishes, ScrapeCreators calls).
    log = logging.getLogger(access) if access else None
    runner = web.AppRunner(app, handle_signals=False, access_log=log, access_log_format='"%r" %s')
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, HOST, port).start()


@asynccontextmanager
async def running_dev_stack(state_dir: Path, ports: Ports) -> AsyncIterator[DevStack]:
    """Start emulator, mock and service (in that order: the service registers its sweep
    schedule with QStash as it starts); stop them in reverse, state flushed to `state_dir`
    (which must exist)."""
    emulator_config = Config(db_path=str(state_dir / "qstash.db"))
    env = service_env(state_dir, ports, emulator_config)
    async with AsyncExitStack() as stack:
        # Deliveries are held until the service listens: a message left due by the last run
        # would otherwise fail against a closed port and wait out a retry backoff.
        emulator = build(emulator_config)
        emulator.dispatcher.pause()
        await _serve(stack, create_app(emulator), ports.qstash, "emulator.qstash.access")
        mock = create_mock(MockConfig(mode="synthetic"))
        await _serve(stack, mock, ports.mock, "emulator.scrapecreators.access")
        await stack.enter_async_context(
            running_service(env, sock=loopback_socket(ports.service), access_log=None)
        )
        emulator.dispatcher.resume()
        # Unwound first: deliveries stop before the service does, while steps in flight can
        # still publish their next step to the emulator.
        stack.callback(emulator.dispatcher.pause)
        yield DevStack(state_dir, ports, env)
