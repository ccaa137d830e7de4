"""Every aiohttp AppKey of the emulator, in one place."""

from __future__ import annotations

from aiohttp import web

from emulator.qstash.delivery import Delivery
from emulator.qstash.dispatcher import Dispatcher
from emulator.qstash.quota import Quota
from emulator.qstash.state import State

STATE = web.AppKey("qstash_state", State)
DELIVERY = web.AppKey("qstash_delivery", Delivery)
DISPATCHER = web.AppKey("qstash_dispatcher", Dispatcher)
QUOTA = web.AppKey("qstash_quota", Quota)
