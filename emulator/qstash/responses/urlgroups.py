"""The /v2/topics routes (URL groups): endpoints upsert and removal, list, get, delete."""

from __future__ import annotations

from aiohttp import web

from emulator.qstash import urlgroups
from emulator.qstash.appkeys import QUOTA
from emulator.qstash.responses.common import change, json_body, ok, state_of
from emulator.qstash.views import url_group_json


async def upsert_endpoints(request: web.Request) -> web.Response:
    state = state_of(request)
    endpoints = urlgroups.parse_endpoints(await json_body(request, required=True), need_url=True)
    name = request.match_info["group"]
    request.app[QUOTA].endpoints(state.url_groups, name, endpoints)
    urlgroups.upsert_endpoints(state, name, endpoints)
    return ok()


async def remove_endpoints(request: web.Request) -> web.Response:
    state = state_of(request)
    endpoints = urlgroups.parse_endpoints(await json_body(request, required=True), need_url=False)
    urlgroups.remove_endpoints(state, request.match_info["group"], endpoints)
    return ok()


async def list_all(request: web.Request) -> web.Response:
    return ok([url_group_json(g) for g in state_of(request).url_groups.values()])


async def get(request: web.Request) -> web.Response:
    return ok(url_group_json(urlgroups.get(state_of(request), request.match_info["group"])))


async def delete(request: web.Request) -> web.Response:
    return await change(request, urlgroups.delete, "group")


async def set_default_headers(request: web.Request) -> web.Response:
    state = state_of(request)
    headers = urlgroups.parse_default_headers(await json_body(request, required=True))
    urlgroups.set_default_headers(state, request.match_info["group"], headers)
    return ok()
