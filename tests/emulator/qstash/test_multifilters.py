"""Repeatable filters (OR within a key, AND across keys) on cancel, events and the DLQ;
`host` and `path` on cancel and events, refused by the DLQ."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.qstash.testing import RunningEmulator
from tests.emulator.qstash.conftest import Sink, api


def _local(sink: Sink, path: str) -> str:
    """The sink under another host name, so host filters have two hosts to tell apart."""
    return sink.url(path).replace("127.0.0.1", "localhost")


async def _publish(emu: RunningEmulator, url: str, **headers: str) -> str:
    """Publish with `Upstash_Label="x"` given as the `Upstash-Label: x` header."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    status, body = await api(emu, "POST", f"/v2/publish/{url}", headers=named)
    assert status in (200, 201), body
    return str(body["messageId"])


async def _pending(emu: RunningEmulator, sink: Sink) -> dict[str, str]:
    """Four pending messages, by name: two hosts, three paths, three labels."""
    later = {"Upstash-Delay": "1h"}
    return {
        "a": await _publish(emu, sink.url("/a"), **later, Upstash_Label="red"),
        "b": await _publish(emu, sink.url("/b"), **later, Upstash_Label="blue,red"),
        "c": await _publish(emu, _local(sink, "/a"), **later, Upstash_Label="green"),
        "d": await _publish(emu, _local(sink, "/c"), **later),
    }


def _names(ids: dict[str, str], found: set[str]) -> set[str]:
    return {name for name, message_id in ids.items() if message_id in found}


CASES: list[tuple[list[tuple[str, str]], set[str]]] = [
    ([("label", "blue"), ("label", "green")], {"b", "c"}),
    ([("url", "{sink}/a"), ("url", "{sink}/b")], {"a", "b"}),
    ([("path", "/a"), ("path", "/c")], {"a", "c", "d"}),
    ([("host", "localhost")], {"c", "d"}),
    ([("host", "localhost"), ("host", "127.0.0.1"), ("path", "/a")], {"a", "c"}),
    ([("label", "red"), ("path", "/b"), ("path", "/c")], {"b"}),
]


def _params(pairs: list[tuple[str, str]], sink: Sink) -> list[tuple[str, str]]:
    return [(key, value.replace("{sink}", sink.base)) for key, value in pairs]


@pytest.mark.parametrize(("pairs", "expected"), CASES)
async def test_bulk_cancel_filters_repeat(
    emu: RunningEmulator, sink: Sink, pairs: list[tuple[str, str]], expected: set[str]
) -> None:
    ids = await _pending(emu, sink)
    status, body = await api(emu, "DELETE", "/v2/messages", params=_params(pairs, sink))
    assert (status, body) == (200, {"cancelled": len(expected)})
    assert _names(ids, set(ids.values()) - set(emu.state.messages)) == expected


@pytest.mark.parametrize(("pairs", "expected"), CASES)
async def test_event_filters_repeat(
    emu: RunningEmulator, sink: Sink, pairs: list[tuple[str, str]], expected: set[str]
) -> None:
    ids = await _pending(emu, sink)
    for route in ("/v2/events", "/v2/logs"):
        status, body = await api(emu, "GET", route, params=_params(pairs, sink))
        assert status == 200
        assert _names(ids, {e["messageId"] for e in body["events"]}) == expected


async def test_event_filters_on_origin_keys_repeat(emu: RunningEmulator, sink: Sink) -> None:
    await api(emu, "POST", "/v2/queues", json={"queueName": "q1"})
    one = await _publish(emu, sink.url(), Upstash_Delay="1h", Upstash_Flow_Control_Key="k1")
    two = await _publish(emu, sink.url(), Upstash_Delay="1h", Upstash_Flow_Control_Key="k2")
    await _publish(emu, sink.url(), Upstash_Delay="1h", Upstash_Flow_Control_Key="k3")
    status, body = await api(
        emu, "GET", "/v2/events", params=[("flowControlKey", "k1"), ("flowControlKey", "k2")]
    )
    assert status == 200
    assert {e["messageId"] for e in body["events"]} == {one, two}
    # callerIp repeats too; the caller here is the loopback address.
    status, body = await api(
        emu, "GET", "/v2/events", params=[("callerIp", "10.0.0.1"), ("callerIp", "127.0.0.1")]
    )
    assert len({e["messageId"] for e in body["events"]}) == 3
    status, body = await api(emu, "GET", "/v2/events", params={"callerIp": "10.0.0.1"})
    assert body["events"] == []


async def _dead(emu: RunningEmulator, sink: Sink) -> dict[str, str]:
    for path in ("/x", "/y", "/z"):
        sink.reply(path, 500)
    ids = {
        "x": await _publish(emu, sink.url("/x"), Upstash_Retries="0", Upstash_Label="one"),
        "y": await _publish(emu, sink.url("/y"), Upstash_Retries="0", Upstash_Label="two,one"),
        "z": await _publish(emu, sink.url("/z"), Upstash_Retries="0", Upstash_Label="three"),
    }
    await emu.drain()
    return ids


async def test_dlq_filters_repeat(emu: RunningEmulator, sink: Sink) -> None:
    ids = await _dead(emu, sink)

    async def listed(params: list[tuple[str, str]]) -> set[str]:
        status, body = await api(emu, "GET", "/v2/dlq", params=params)
        assert status == 200
        return _names(ids, {m["messageId"] for m in body["messages"]})

    assert await listed([("url", sink.url("/x")), ("url", sink.url("/z"))]) == {"x", "z"}
    assert await listed([("label", "two"), ("label", "three")]) == {"y", "z"}
    assert await listed([("label", "one"), ("url", sink.url("/y"))]) == {"y"}
    status, body = await api(
        emu, "POST", "/v2/dlq/retry", params=[("label", "three"), ("label", "two")]
    )
    assert status == 201
    assert len(body["responses"]) == 2
    assert await listed([]) == {"x"}


@pytest.mark.parametrize(
    ("method", "route"),
    [("GET", "/v2/dlq"), ("DELETE", "/v2/dlq"), ("POST", "/v2/dlq/retry")],
)
@pytest.mark.parametrize("key", ["host", "path"])
async def test_dlq_refuses_host_and_path(
    emu: RunningEmulator, sink: Sink, method: str, route: str, key: str
) -> None:
    await _dead(emu, sink)
    params: dict[str, Any] = {key: "127.0.0.1" if key == "host" else "/x"}
    status, body = await api(emu, method, route, params=params)
    assert status == 400
    assert key in body["error"]
    assert len(emu.state.dlq) == 3  # nothing deleted or retried
