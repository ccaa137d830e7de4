"""Schedule rules: create or overwrite by id, pause, resume, delete, and fire or trigger a tick."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from emulator.qstash import ids
from emulator.qstash.cron import Cron, CronError
from emulator.qstash.errors import ApiError, bad_request, not_found
from emulator.qstash.models import Schedule, Template
from emulator.qstash.publishing import check_name, resolve
from emulator.qstash.state import State


@lru_cache(maxsize=1024)
def parse_cron(expression: str) -> Cron:
    return Cron.parse(expression)


def create(
    state: State,
    destination: str,
    body: bytes,
    template: Template,
    *,
    cron: str,
    schedule_id: str | None,
    queue_name: str | None,
    caller_ip: str | None,
) -> Schedule:
    if schedule_id is not None:
        check_name(schedule_id, "Upstash-Schedule-Id header")
    if queue_name is not None:
        check_name(queue_name, "Upstash-Queue-Name header")
    resolve(state, destination)  # a URL or an existing URL group
    try:
        parsed = parse_cron(cron.strip())
    except CronError as exc:
        raise bad_request(f"invalid Upstash-Cron header: {exc}") from None
    now = state.now()
    old = state.schedules.get(schedule_id) if schedule_id is not None else None
    # Re-creating with an existing id replaces the whole definition (fields omitted vanish).
    schedule = Schedule(
        id=schedule_id or ids.schedule_id(),
        destination=destination,
        cron=parsed.expression,
        created_at=now if old is None else old.created_at,
        template=template,
        body=body,
        caller_ip=caller_ip,
        queue_name=queue_name,
        next_schedule_time=parsed.next_after(now),
    )
    state.put_schedule(schedule)
    return schedule


def get(state: State, schedule_id: str) -> Schedule:
    schedule = state.schedules.get(schedule_id)
    if schedule is None:
        raise not_found(f"schedule {schedule_id} not found")
    return schedule


def delete(state: State, schedule_id: str) -> None:
    get(state, schedule_id)
    state.delete_schedule(schedule_id)


def set_paused(state: State, schedule_id: str, paused: bool) -> None:
    schedule = get(state, schedule_id)
    next_time = schedule.next_schedule_time
    if not paused:
        # A resumed schedule fires at its next regular time, not for the ticks it missed.
        next_time = parse_cron(schedule.cron).next_after(state.now())
    state.put_schedule(replace(schedule, paused=paused, next_schedule_time=next_time))


def trigger(state: State, schedule_id: str) -> Schedule:
    """Fire one tick now (the dashboard's "trigger now"); the next regular tick follows."""
    schedule = get(state, schedule_id)
    fire(state, schedule)
    return schedule


def fire(state: State, schedule: Schedule) -> None:
    """One tick: publish the schedule's message, then queue the next tick."""
    now = state.now()
    template = schedule.template
    error = None
    try:
        targets = resolve(state, schedule.destination) or [(schedule.destination, None)]
    except ApiError as exc:
        targets, error = [], exc.message  # e.g. its URL group was deleted
    topic = (
        None if schedule.destination.startswith(("http://", "https://")) else schedule.destination
    )
    if schedule.queue_name is not None:
        state.queue(schedule.queue_name)
    fired = [
        state.accept(
            url,
            schedule.body,
            template,
            caller_ip=schedule.caller_ip,
            schedule_id=schedule.id,
            queue_name=schedule.queue_name,
            topic_name=topic,
            endpoint_name=endpoint_name,
        )
        for url, endpoint_name in targets
    ]
    state.schedule_ticked(schedule, fired, error, parse_cron(schedule.cron).next_after(now))
