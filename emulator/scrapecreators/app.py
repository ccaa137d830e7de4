"""Build the mock's aiohttp application from a MockConfig."""

from __future__ import annotations

from aiohttp import web

from emulator.faultroutes import FAULTS
from emulator.scrapecreators import api, control
from emulator.scrapecreators.state import STATE, MockConfig, MockState


async def _release_held_requests(app: web.Application) -> None:
    app[STATE].closing.set()


def create_app(config: MockConfig) -> web.Application:
    """The mock: /v1/* answered like ScrapeCreators, /_mock/* for tests and developers."""
    app = web.Application()
    app[STATE] = state = MockState.build(config)
    app[FAULTS] = state.faults
    control.add_routes(app)
    app.router.add_route("*", "/v1/{tail:.*}", api.handle)
    app.on_shutdown.append(_release_held_requests)
    return app
