"""Admin handlers for dynamic config: GET and PUT /api/admin/config."""

from __future__ import annotations

from aiohttp import web

from service.api.models import ConfigEntry, ConfigOut, ConfigUpdate
from service.api.requests import current_admin, json_body
from service.config.dynamic import Setting
from service.keys import PARTS


def _out(settings: list[Setting]) -> web.Response:
    entries = [
        ConfigEntry(
            key=s.spec.name,
            value=s.text,
            value_type=s.spec.value_type.value,
            default=s.spec.default,
            description=s.spec.description,
            overridden=s.overridden,
            min=s.spec.low,
            max=s.spec.high,
        )
        for s in settings
    ]
    return web.json_response(ConfigOut(config=entries).model_dump(mode="json", by_alias=True))


async def get_config(request: web.Request) -> web.Response:
    await current_admin(request)
    return _out(await request.app[PARTS].config.all())


async def put_config(request: web.Request) -> web.Response:
    """Body: `{"<category>.<key>": value, ...}`; all values are checked, then stored together."""
    await current_admin(request)
    body = await json_body(request, ConfigUpdate)
    return _out(await request.app[PARTS].config.update(body.root))
