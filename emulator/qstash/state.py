"""The emulator's state and QStash's rules: accept, retry, fail, dead-letter, cancel, call back."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from http import HTTPStatus
from typing import TypeVar

from emulator.qstash import callbacks, ids
from emulator.qstash.changes import Changes
from emulator.qstash.clock import Clock
from emulator.qstash.duequeue import DueQueue
from emulator.qstash.errors import ApiError, StoreWriteError, not_found
from emulator.qstash.eventlog import EventLog
from emulator.qstash.flowcontrol import FlowControls, FlowKey
from emulator.qstash.headers import same, share
from emulator.qstash.models import (
    CallbackSpec,
    DlqEntry,
    Message,
    Queue,
    Response,
    Schedule,
    Template,
    UrlGroup,
    extras,
)
from emulator.qstash.retention import Retained
from emulator.qstash.retry import RetryDelay, RetryDelayError, default_backoff
from emulator.qstash.signing import new_signing_key
from emulator.qstash.store import FLOW_PREFIX, Snapshot, Store

_Kept = TypeVar("_Kept")

DEDUP_WINDOW = 600.0  # seconds; QStash documents ten minutes
NON_RETRYABLE_STATUS = 489


@lru_cache(maxsize=256)
def _retry_delay(expression: str) -> RetryDelay:
    return RetryDelay.parse(expression)


def _next_delay(message: Message) -> float:
    """Seconds until the next attempt: the message's Upstash-Retry-Delay, else the default backoff.

    An expression that parsed at publish time can still give a negative or non-finite delay for
    some `retried`; the message then falls back to the default backoff instead of stalling.
    """
    if message.retry_delay is not None:
        try:
            return _retry_delay(message.retry_delay).milliseconds(message.retried) / 1000
        except RetryDelayError:
            pass
    return default_backoff(message.retried + 1)


@dataclass(slots=True)
class Outcome:
    """One delivery attempt as the rules see it."""

    response: Response
    retry_after: float | None = None  # seconds dictated by Retry-After-style headers
    non_retryable: bool = False
    postpone: float | None = None  # an injected delay: try again later, not an attempt

    @property
    def ok(self) -> bool:
        return 200 <= self.response.status < 300


@dataclass(slots=True)
class Credentials:
    token: str
    current_key: str
    next_key: str


class State:
    """Everything the emulator knows. Each kind of change is one method here that makes it in
    memory and queues it to the store in order, with an undo for when the disk refuses it;
    nothing else edits these dicts or writes to the store. `commit()` waits for durability."""

    def __init__(
        self,
        *,
        clock: Clock,
        store: Store,
        credentials: Credentials,
        retain_delivered: float = 0.0,
    ) -> None:
        self.clock = clock
        self.store = store
        self.configured = credentials
        self.token = credentials.token
        self.current_key = credentials.current_key
        self.next_key = credentials.next_key
        self.due = DueQueue()
        # What the dashboard's live feed listens to (emulator/qstash/dashboard.py).
        self.changes = Changes()
        self.events = EventLog(store, changes=self.changes)
        self.messages: dict[str, Message] = {}
        # Delivered messages GET /v2/messages/{id} still shows (none unless --retain-delivered).
        self.delivered = Retained(retain_delivered)
        # Messages settled since the emulator started (or was reset): the dashboard's counts.
        self.delivered_count = 0
        self.failed_count = 0
        self.dlq: dict[str, DlqEntry] = {}
        self.schedules: dict[str, Schedule] = {}
        # dedup key -> (the JSON answer of the first publish, when the key expires)
        self.dedup: dict[str, tuple[str, float]] = {}
        self.queues: dict[str, Queue] = {}
        self.flows = FlowControls()
        self.url_groups: dict[str, UrlGroup] = {}
        self._dlq_seq = 0
        # A queue message's callbacks not yet settled, and settled queue messages whose slot
        # waits for them: the queue's next message starts only once they are done.
        self._callbacks_pending: dict[str, int] = {}
        self._held: dict[str, Message] = {}

    # ---- lifecycle -------------------------------------------------------------------------

    def load(self, snap: Snapshot) -> None:
        """Rebuild from disk. Messages in flight at a crash are simply due again (at-least-once)."""
        self.current_key = snap.meta.get("current_key", self.current_key)
        self.flows.restore(
            {
                name.removeprefix(FLOW_PREFIX): json.loads(value)
                for name, value in snap.meta.items()
                if name.startswith(FLOW_PREFIX)
            }
        )
        self.next_key = snap.meta.get("next_key", self.next_key)
        now = self.clock.now()
        shares = dict(snap.shares)
        for message in sorted(snap.messages, key=lambda m: m.deliver_at):
            message.created_seq = shares.get(message.id, 0)
            self.messages[message.id] = message
            self.flows.register(message, now)
            self.due.push(message.deliver_at, message, now=now)
        for entry in snap.dlq:
            self.dlq[entry.dlq_id] = entry
            self._dlq_seq = max(self._dlq_seq, entry.seq)
        self.events.load(snap.events, snap.shares)
        self.queues = {queue.name: queue for queue in snap.queues}
        self.url_groups = {group.name: group for group in snap.url_groups}
        self.dedup = {key: (mid, exp) for key, mid, exp in snap.dedup if exp > now}
        for schedule in snap.schedules:
            self.schedules[schedule.id] = schedule
            if not schedule.paused and schedule.next_schedule_time is not None:
                self.due.push(schedule.next_schedule_time, schedule)

    def reset(self) -> None:
        for message in self.messages.values():
            message.cancelled = True  # attempts in flight end without a trace
        self.messages.clear()
        self.delivered.clear()
        self.delivered_count = self.failed_count = 0
        self.dlq.clear()
        self.schedules.clear()
        self.dedup.clear()
        self.queues.clear()
        self.flows.clear()
        self.url_groups.clear()
        self._callbacks_pending.clear()
        self._held.clear()
        self.due.clear()
        self.events.clear()
        self.current_key = self.configured.current_key
        self.next_key = self.configured.next_key
        self.store.clear()

    def now(self) -> float:
        return self.clock.now()

    def commit(self) -> Awaitable[None]:
        """Everything changed so far, on disk (StoreWriteError when the disk refused it).
        The HTTP layer awaits this once after every mutating request (see errors.py)."""
        return self.store.commit()

    # ---- accepting messages ----------------------------------------------------------------

    def find_duplicate(self, key: str | None) -> str | None:
        """The JSON answer of an earlier publish with this dedup key, within the window."""
        if key is None:
            return None
        found = self.dedup.get(key)
        if found is None or found[1] <= self.now():
            return None
        return found[0]

    def remember_dedup(self, key: str | None, answer: str) -> None:
        if key is None:
            return
        now = self.now()
        if len(self.dedup) > 10_000:
            # Expired keys are dropped in bulk now and then rather than tracked one by one.
            self.dedup = {k: v for k, v in self.dedup.items() if v[1] > now}
            self.store.purge_dedup(now)
        previous = self.dedup.get(key)
        entry = self.dedup[key] = (answer, now + DEDUP_WINDOW)

        def undo() -> None:
            if self.dedup.get(key) == entry:
                if previous is None:
                    del self.dedup[key]
                else:
                    self.dedup[key] = previous

        self.store.save_dedup(key, answer, now + DEDUP_WINDOW, undo)

    def accept(
        self,
        url: str,
        body: bytes,
        template: Template,
        *,
        caller_ip: str | None = None,
        schedule_id: str | None = None,
        callback_of: str | None = None,
        queue_name: str | None = None,
        topic_name: str | None = None,
        endpoint_name: str | None = None,
    ) -> Message:
        now = self.now()
        if template.not_before is not None:
            not_before = template.not_before  # overrides Upstash-Delay when both are given
        else:
            not_before = now + template.delay
        message = Message(
            id=ids.message_id(),
            url=same(url),
            method=template.method,
            body=body,
            created_at=now,
            not_before=not_before,
            deliver_at=not_before,
            max_retries=template.retries,
            headers=template.headers,
            caller_ip=None if caller_ip is None else same(caller_ip),
            extras=extras(
                timeout=template.timeout,
                retry_delay=template.retry_delay,
                callback=template.callback,
                failure_callback=template.failure_callback,
                schedule_id=schedule_id,
                labels=template.labels,
                flow_control=template.flow_control,
                redact=template.redact,
                queue_name=queue_name,
                topic_name=topic_name,
                endpoint_name=endpoint_name,
                callback_of=callback_of,
            ),
        )
        self.messages[message.id] = message
        self.store.save_message(message, lambda: self._refused(message))
        message.created_seq = self.events.record("CREATED", message, now)
        self.due.push(message.deliver_at, message, now=now)
        if template.flow_control is not None:
            self.requeue(self.flows.register(message, now))
        return message

    def _refused(self, message: Message) -> None:
        """The disk refused the message's creation: it never existed (its publish answers 500)."""
        if self.messages.get(message.id) is message:
            del self.messages[message.id]
            self.flows.unregister(message)  # its settings no longer count towards its key's
        message.cancelled = True
        self.due.forget(message)
        self._release(message)
        self._release_flow(message)
        self.events.forget(message.id, since=message.created_seq)

    async def persisted(self, message: Message) -> bool:
        """Wait until the message's creation is on disk; False when the disk refused it (or it
        was cancelled meanwhile): only a durable message is delivered."""
        if not self.store.settled(message.created_seq):
            with contextlib.suppress(StoreWriteError):
                await self.store.commit()
        return not message.cancelled

    # ---- queues: FIFO with parallelism -----------------------------------------------------

    def queue(self, name: str) -> Queue:
        """The named queue, created with parallelism 1 on first use (as enqueue does)."""
        queue = self.queues.get(name)
        if queue is None:
            now = self.now()
            created = self.queues[name] = Queue(name, 1, False, now, now)

            def undo() -> None:
                # Refused with the publish that created it (its messages are refused too).
                if self.queues.get(name) is created and not created.active:
                    del self.queues[name]

            self.store.save_queue(created, undo)
            return created
        return queue

    def upsert_queue(self, name: str, parallelism: int, paused: bool) -> Queue:
        now = self.now()
        queue = self.queues.get(name)
        if queue is None:
            queue = self.queues[name] = Queue(name, parallelism, paused, now, now)
            self.store.save_queue(queue, lambda: self._unmake_queue(queue))
        else:
            before = queue.parallelism, queue.paused, queue.updated_at
            queue.parallelism, queue.paused, queue.updated_at = after = parallelism, paused, now

            def undo() -> None:
                if (queue.parallelism, queue.paused, queue.updated_at) == after:
                    queue.parallelism, queue.paused, queue.updated_at = before
                    self.release_waiting(queue)

            self.store.save_queue(queue, undo)
        self.release_waiting(queue)
        return queue

    def _unmake_queue(self, queue: Queue) -> None:
        # A refused creation; a queue that messages use meanwhile stays (as it would implicitly).
        if self.queues.get(queue.name) is queue and not queue.active and not queue.waiting:
            del self.queues[queue.name]

    def delete_queue(self, name: str) -> None:
        """Delete the queue and cancel its messages (the cancels are not undone if refused)."""
        queue = self.queues[name]
        self.cancel([m.id for m in self.messages.values() if m.queue_name == name])
        del self.queues[name]
        self.store.delete_queue(name, lambda: self._restore(self.queues, name, queue))

    @staticmethod
    def _restore(table: dict[str, _Kept], key: str, value: _Kept) -> None:
        """Undo a refused delete, unless the key was made anew meanwhile."""
        table.setdefault(key, value)

    # ---- schedules -------------------------------------------------------------------------

    def put_schedule(self, schedule: Schedule) -> None:
        """Create, overwrite, pause or resume: the new definition replaces the old object."""
        old = self.schedules.get(schedule.id)
        if old is not None:
            self.due.forget(old)
        self._install(schedule)

        def undo() -> None:
            if self.schedules.get(schedule.id) is schedule:
                self.due.forget(schedule)
                if old is None:
                    del self.schedules[schedule.id]
                else:
                    self._install(old)

        self.store.save_schedule(schedule, undo)

    def _install(self, schedule: Schedule) -> None:
        self.schedules[schedule.id] = schedule
        if not schedule.paused and schedule.next_schedule_time is not None:
            self.due.push(schedule.next_schedule_time, schedule)

    def delete_schedule(self, schedule_id: str) -> None:
        schedule = self.schedules.pop(schedule_id)
        self.due.forget(schedule)

        def undo() -> None:
            if schedule_id not in self.schedules:
                self._install(schedule)

        self.store.delete_schedule(schedule_id, undo)

    def schedule_ticked(
        self, schedule: Schedule, fired: list[Message], error: str | None, next_time: float | None
    ) -> None:
        """A tick's bookkeeping (its messages were accepted, each with its own undo)."""
        schedule.error = error
        schedule.last_states = {message.id: "IN_PROGRESS" for message in fired}
        schedule.last_schedule_time = self.now()
        schedule.next_schedule_time = next_time
        self.store.save_schedule(schedule)
        if not schedule.paused and next_time is not None:
            self.due.push(next_time, schedule)

    # ---- URL groups ------------------------------------------------------------------------

    def put_url_group(self, group: UrlGroup) -> None:
        """Create or replace a URL group (callers build a new object, so undo is a swap)."""
        old = self.url_groups.get(group.name)
        self.url_groups[group.name] = group

        def undo() -> None:
            if self.url_groups.get(group.name) is group:
                if old is None:
                    del self.url_groups[group.name]
                else:
                    self.url_groups[group.name] = old

        self.store.save_url_group(group, undo)

    def delete_url_group(self, name: str) -> None:
        group = self.url_groups.pop(name, None)
        if group is not None:
            self.store.delete_url_group(name, lambda: self._restore(self.url_groups, name, group))

    # ---- dead-letter queue -----------------------------------------------------------------

    def delete_dlq(self, dlq_ids: list[str]) -> int:
        deleted = 0
        for dlq_id in dlq_ids:
            entry = self.dlq.pop(dlq_id, None)
            if entry is not None:
                self.store.delete_dlq(dlq_id, partial(self._undelete_dlq, entry))
                deleted += 1
        return deleted

    def _undelete_dlq(self, entry: DlqEntry) -> None:
        if entry.dlq_id not in self.dlq:
            self.dlq[entry.dlq_id] = entry
            # The listing reads the dict's order: oldest first, as they were dead-lettered.
            self.dlq = dict(sorted(self.dlq.items(), key=lambda item: item[1].seq))

    # ---- flow control ----------------------------------------------------------------------

    def pause_flow(self, key: str) -> None:
        self._change_flow(key, lambda: self.flows.set_paused(key, True))

    def resume_flow(self, key: str) -> None:
        self._change_flow(key, lambda: self.flows.set_paused(key, False))

    def pin_flow(
        self, key: str, parallelism: int | None, rate: int | None, period: int | None
    ) -> None:
        self._change_flow(key, lambda: self.flows.pin(key, parallelism, rate, period))

    def unpin_flow(self, key: str, parallelism: bool, rate: bool) -> None:
        self._change_flow(key, lambda: self.flows.unpin(key, parallelism, rate))

    def reset_flow_rate(self, key: str) -> None:
        """Live counters only: nothing to persist."""
        self.requeue(self.flows.reset_rate(key, self.now()))

    def _change_flow(self, key: str, change: Callable[[], list[Message]]) -> None:
        """Apply an operator change to the key's settings and persist them (pause, pins)."""
        flow: FlowKey = self.flows.get(key)
        before = flow.settings()
        self.requeue(change())
        after = flow.settings()

        def undo() -> None:
            if self.flows.keys.get(key) is flow and flow.settings() == after:
                flow.restore(before)

        self.store.save_flow(key, after, undo)

    def admit(self, message: Message) -> bool:
        """May this due message start now? Queue messages wait their turn (in order) for a slot
        and keep it through their retries, so the next one starts only after this one ends.
        Then flow control: a slot per attempt, a rate per period, a wait list."""
        if message.queue_name is not None and not message.holds_slot:
            queue = self.queue(message.queue_name)
            if queue.paused or queue.active >= queue.parallelism or queue.waiting:
                queue.waiting.append(message)
                return False
            queue.active += 1
            message.holds_slot = True
        config = message.flow_control
        if config is None or message.holds_flow:
            return True
        verdict = self.flows.admit(message, config, self.now())
        if isinstance(verdict, bool):
            message.holds_flow = verdict
            return verdict
        self.due.push(verdict, message)  # the rate is used up until the next window
        return False

    def requeue(self, messages: list[Message]) -> None:
        """Messages let off a wait list: due now, through the immediate lane."""
        now = self.now()
        for message in messages:
            self.due.push(now, message, now=now)

    def _release_flow(self, message: Message) -> None:
        if message.holds_flow:
            message.holds_flow = False
            self.requeue(self.flows.release(message))

    def release_waiting(self, queue: Queue) -> None:
        """Hand free slots to the oldest waiting messages (due now, so they start at once)."""
        now = self.now()
        while queue.waiting and not queue.paused and queue.active < queue.parallelism:
            message = queue.waiting.popleft()
            if message.cancelled:
                continue
            queue.active += 1
            message.holds_slot = True
            self.due.push(now, message, now=now)

    def _release(self, message: Message) -> None:
        if message.holds_slot and message.queue_name is not None:
            message.holds_slot = False
            queue = self.queues.get(message.queue_name)
            if queue is not None:
                queue.active -= 1
                self.release_waiting(queue)

    def _release_after_callbacks(self, message: Message) -> None:
        """A message is settled or cancelled: free its queue slot unless callbacks it made are
        still under way; if it is such a callback, the last one frees its source's slot."""
        if self._callbacks_pending.get(message.id):
            self._held[message.id] = message
        else:
            self._release(message)
        source_id = message.callback_of
        if source_id is not None and source_id in self._callbacks_pending:
            self._callbacks_pending[source_id] -= 1
            if self._callbacks_pending[source_id] <= 0:
                del self._callbacks_pending[source_id]
                held = self._held.pop(source_id, None)
                if held is not None:
                    self._release(held)

    # ---- delivery outcomes -----------------------------------------------------------------

    def started(self, message: Message) -> None:
        self.events.record("ACTIVE", message, self.now())

    def finished(self, message: Message, outcome: Outcome) -> None:
        self._release_flow(message)
        now = self.now()
        if message.cancelled:
            return
        if outcome.postpone is not None:
            self._reschedule(message, now + outcome.postpone)
            return
        response = outcome.response
        if outcome.ok:
            self.events.record("DELIVERED", message, now, response=response)
            self._call_back(message, response)  # first: a queue slot waits for it
            self._settle(message, "SUCCESS")
            self.delivered.keep(message, now)
            return
        error = response.error or f"{response.status} {_reason(response.status)}"
        self.events.record("ERROR", message, now, error=error, response=response)
        self._call_back(message, response)
        if outcome.non_retryable or message.retried >= message.max_retries:
            self._fail(message, response, now)
            return
        delay = outcome.retry_after
        if delay is None:
            delay = _next_delay(message)
        message.retried += 1
        self.events.record("RETRY", message, now, next_delivery_time=now + delay)
        self._reschedule(message, now + delay)

    def _reschedule(self, message: Message, when: float) -> None:
        message.deliver_at = when
        self.store.save_message(message)
        self.due.push(when, message, now=self.now())

    def _settle(self, message: Message, result: str) -> None:
        if result == "SUCCESS":
            self.delivered_count += 1
        else:
            self.failed_count += 1
        self.messages.pop(message.id, None)
        self.flows.unregister(message)
        self._release_after_callbacks(message)
        self.store.delete_message(message.id)
        if message.schedule_id is not None:
            schedule = self.schedules.get(message.schedule_id)
            if schedule is not None and message.id in schedule.last_states:
                schedule.last_states[message.id] = result
                self.store.save_schedule(schedule)

    def _fail(self, message: Message, response: Response, now: float) -> None:
        self.events.record("FAILED", message, now, response=response)
        self._dlq_seq += 1
        entry = DlqEntry(ids.dlq_id(now, self._dlq_seq), self._dlq_seq, message, response, now)
        self.dlq[entry.dlq_id] = entry
        self.store.save_dlq(entry)
        failure = message.failure_callback
        if failure is not None:  # before settling: a queue slot waits for it
            body = callbacks.payload(message, response, dlq_id=entry.dlq_id)
            self._publish_callback(message, failure, body)
        self._settle(message, "FAIL")

    def _call_back(self, message: Message, response: Response) -> None:
        if message.callback is not None:
            self._publish_callback(message, message.callback, callbacks.payload(message, response))

    def _publish_callback(self, source: Message, spec: CallbackSpec, body: bytes) -> None:
        headers = share({"Content-Type": ["application/json"], **(spec.headers or {})})
        template = Template(
            method=spec.method,
            headers=headers,
            retries=source.max_retries if spec.retries is None else spec.retries,
            retry_delay=spec.retry_delay,
            timeout=spec.timeout,
        )
        self.accept(spec.url, body, template, caller_ip=source.caller_ip, callback_of=source.id)
        if source.holds_slot:
            self._callbacks_pending[source.id] = self._callbacks_pending.get(source.id, 0) + 1

    # ---- messages API ----------------------------------------------------------------------

    def get_message(self, message_id: str) -> Message:
        message = self.messages.get(message_id)
        if message is None:
            raise not_found(f"message {message_id} not found")
        return message

    def read_message(self, message_id: str) -> Message:
        """A pending message, or one delivered within the retention window."""
        message = self.messages.get(message_id) or self.delivered.get(message_id, self.now())
        if message is None:
            raise not_found(f"message {message_id} not found")
        return message

    def deliver_now(self, message_id: str) -> Message:
        """Make a message waiting for its delivery time (a delay or a retry) due now."""
        message = self.get_message(message_id)
        now = self.now()
        # Due already means it is in flight or waits for a queue or flow-control slot.
        if message.deliver_at <= now:
            raise conflict(f"message {message_id} is already due")
        self._reschedule(message, now)
        return message

    def cancel(self, message_ids: list[str]) -> int:
        cancelled = 0
        now = self.now()
        for message_id in message_ids:
            message = self.messages.pop(message_id, None)
            if message is None:
                continue
            self.events.record("CANCEL_REQUESTED", message, now)
            message.cancelled = True
            self.due.forget(message)
            self._release_after_callbacks(message)
            self._release_flow(message)
            self.flows.unregister(message)
            self.store.delete_message(message_id)  # not undone: the cancel stays in memory
            self.events.record("CANCELED", message, now)
            cancelled += 1
        return cancelled

    # ---- signing keys ----------------------------------------------------------------------

    def rotate_keys(self) -> None:
        before = self.current_key, self.next_key
        self.current_key, self.next_key = after = self.next_key, new_signing_key()

        def undo() -> None:
            if (self.current_key, self.next_key) == after:
                self.current_key, self.next_key = before

        self.store.save_meta("current_key", self.current_key)
        self.store.save_meta("next_key", self.next_key, undo)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"
