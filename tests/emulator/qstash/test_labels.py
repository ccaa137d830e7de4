"""Several labels per message and schedule (`Upstash-Label: a,b`): `labels` beside `label`."""

from __future__ import annotations

from pathlib import Path

import httpx
from qstash import AsyncQStash

from emulator.qstash.testing import RunningEmulator, running_emulator
from tests.emulator.qstash.conftest import Sink, api


async def _get(emu: RunningEmulator, message_id: str) -> dict[str, object]:
    status, body = await api(emu, "GET", f"/v2/messages/{message_id}")
    assert status == 200
    assert isinstance(body, dict)
    return body


async def test_publish_enqueue_and_batch_accept_several_labels(
    emu: RunningEmulator, sink: Sink
) -> None:
    headers = {"Upstash-Label": "a, b", "Upstash-Delay": "1h"}
    _, published = await api(emu, "POST", f"/v2/publish/{sink.url()}", headers=headers)
    _, enqueued = await api(
        emu, "POST", f"/v2/enqueue/q/{sink.url()}", headers={"Upstash-Label": "c,d"}
    )
    items = [{"destination": sink.url(), "headers": headers}]
    _, [batched] = await api(emu, "POST", "/v2/batch", json=items)
    for answer, labels in ((published, ["a", "b"]), (enqueued, ["c", "d"]), (batched, ["a", "b"])):
        message = await _get(emu, answer["messageId"])
        assert (message["label"], message["labels"]) == (labels[0], labels)


async def test_a_repeated_label_header_adds_labels_and_duplicates_count_once(
    emu: RunningEmulator, sink: Sink
) -> None:
    headers = [
        ("Authorization", f"Bearer {emu.token}"),
        ("Upstash-Label", "a,b"),
        ("Upstash-Label", "c, a"),
        ("Upstash-Delay", "1h"),
    ]
    async with httpx.AsyncClient() as http:  # sends a repeated header as two header lines
        answer = (await http.post(f"{emu.url}/v2/publish/{sink.url()}", headers=headers)).json()
    message = await _get(emu, answer["messageId"])
    assert (message["label"], message["labels"]) == ("a", ["a", "b", "c"])


async def test_a_single_label_reads_as_before(
    emu: RunningEmulator, sink: Sink, client: AsyncQStash
) -> None:
    res = await client.message.publish(url=sink.url(), body="x", delay="1h", label="solo")
    message = await _get(emu, res.message_id)  # type: ignore[union-attr]
    assert (message["label"], message["labels"]) == ("solo", ["solo"])
    plain = await client.message.publish(url=sink.url(), body="y", delay="1h")
    assert not {"label", "labels"} & set(await _get(emu, plain.message_id))  # type: ignore[union-attr]


async def test_events_and_the_dlq_carry_every_label(emu: RunningEmulator, sink: Sink) -> None:
    sink.reply("/dead", 500)
    headers = {"Upstash-Label": "a,b", "Upstash-Retries": "0"}
    _, answer = await api(emu, "POST", f"/v2/publish/{sink.url('/dead')}", headers=headers)
    await emu.drain()
    _, events = await api(emu, "GET", "/v2/events", params={"messageId": answer["messageId"]})
    assert {(e["label"], tuple(e["labels"])) for e in events["events"]} == {("a", ("a", "b"))}
    _, dlq = await api(emu, "GET", "/v2/dlq")
    assert [(m["label"], m["labels"]) for m in dlq["messages"]] == [("a", ["a", "b"])]


async def test_schedules_take_several_labels_and_their_messages_inherit_them(
    tmp_path: Path, sink: Sink
) -> None:
    db = str(tmp_path / "state.sqlite3")
    headers = {"Upstash-Cron": "* * * * *", "Upstash-Label": "nightly,report"}
    async with running_emulator(db) as emu:
        _, created = await api(emu, "POST", f"/v2/schedules/{sink.url()}", headers=headers)
        _, pending = await api(
            emu, "POST", f"/v2/publish/{sink.url()}", headers={**headers, "Upstash-Delay": "1h"}
        )
    async with running_emulator(db) as emu:  # both survive a restart with their labels
        _, schedule = await api(emu, "GET", f"/v2/schedules/{created['scheduleId']}")
        assert (schedule["label"], schedule["labels"]) == ("nightly", ["nightly", "report"])
        message = await _get(emu, pending["messageId"])
        assert message["labels"] == ["nightly", "report"]
        await emu.advance("1m")
        _, events = await api(
            emu, "GET", "/v2/events", params={"scheduleId": created["scheduleId"]}
        )
        assert events["events"]
        assert all(e["labels"] == ["nightly", "report"] for e in events["events"])
