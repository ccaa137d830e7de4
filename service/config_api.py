"""Admin handlers for dynamic config: GET and PUT /api/admin/config."""

from __future__ import annotations

from aiohttp import web

from service.api_models import ConfigEntry, ConfigOut
from service.config import Setting
from service.errors import BadRequest
from service.keys import CONFIG
from service.requests import current_admin, json_object


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
    return _out(await request.app[CONFIG].all())


async def put_config(request: web.Request) -> web.Response:
    """Body: `{"<category>.<key>": value, ...}`; all values are checked, then stored together."""
    await current_admin(request)
    body = await json_object(request)
    if not body:
        raise BadRequest('body: must be an object like {"timeouts.standard_job_timeout": "30m"}')
    return _out(await request.app[CONFIG].update(body))
