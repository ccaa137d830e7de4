"""Queue management rules: upsert, get, list, delete, pause and resume."""

from __future__ import annotations

from emulator.qstash.errors import bad_request, not_found
from emulator.qstash.models import Queue
from emulator.qstash.publishing import check_name
from emulator.qstash.state import State

MAX_PARALLELISM = 100  # far above any plan; only nonsense is refused


def upsert(state: State, name: str, parallelism: int, paused: bool) -> Queue:
    check_name(name, "queueName")
    if not 1 <= parallelism <= MAX_PARALLELISM:
        raise bad_request(f"parallelism: must be between 1 and {MAX_PARALLELISM}")
    return state.upsert_queue(name, parallelism, paused)


def get(state: State, name: str) -> Queue:
    queue = state.queues.get(name)
    if queue is None:
        raise not_found(f"queue {name} not found")
    return queue


def lag(state: State, queue: Queue) -> int:
    """Messages of the queue not yet delivered (waiting, delayed or retrying)."""
    return sum(1 for m in state.messages.values() if m.queue_name == queue.name)


def delete(state: State, name: str) -> None:
    get(state, name)
    state.delete_queue(name)  # a deleted queue's messages go with it


def set_paused(state: State, name: str, paused: bool) -> None:
    queue = get(state, name)
    upsert(state, name, queue.parallelism, paused)
