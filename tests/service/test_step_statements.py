"""Database round trips per webhook step: a regression here costs CPU on every step of every job.

Counts are deterministic (times are not, so nothing here measures time). A step is: claim it
(one UPDATE), look up which creators the job holds (keyword jobs), commit it (one statement
on PostgreSQL; three in a transaction on SQLite) and mark its next step sent (one statement on
PostgreSQL, two on SQLite). bench/bench_service.py shows what each costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Connection

from service.clock import ManualClock
from service.store import Store
from tests.service.pipeline import BAKING, pipeline

# The most a TikTok keyword step with new creators and a next step may send, per engine: the
# first step (the job holds no creators yet, so none to look up), then a later one. SQLite's
# BEGIN is a statement of its own; PostgreSQL's transactions would be round trips too.
MOST_STATEMENTS = {"sqlite": (7, 8), "postgresql": (3, 4)}
MOST_TRANSACTIONS = {"sqlite": 1, "postgresql": 0}


@dataclass
class Sent:
    statements: list[str] = field(default_factory=list)
    transactions: int = 0


@contextmanager
def counted(store: Store) -> Iterator[Sent]:
    """Every statement the store sends inside the block, and the transactions it opens (not
    counting statements sent on their own, which need none)."""
    sent = Sent()

    def executed(_conn: Connection, _cursor: object, statement: str, *_: object) -> None:
        sent.statements.append(statement)

    def began(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT" and not options.get(
            "scout_single_statement"
        ):
            sent.transactions += 1

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", executed),
        ("begin", began),
    ]
    for engine in store.sync_engines:
        for name, listener in listeners:
            event.listen(engine, name, listener)
    try:
        yield sent
    finally:
        for engine in store.sync_engines:
            for name, listener in listeners:
                event.remove(engine, name, listener)


async def test_a_step_sends_a_handful_of_statements(store: Store, clock: ManualClock) -> None:
    engine = store.engine.dialect.name
    async with pipeline(store, clock, ["tiktok_keyword"], allow_unplayed=True) as p:
        job_id = await p.start("tiktok", **BAKING)
        found = 0

        for step, most in enumerate(MOST_STATEMENTS[engine]):
            with counted(store) as sent:
                answer = await p.deliver(job_id, step)

            assert answer["outcome"] == "committed"  # the commit queued the next step
            assert answer["creators"] > 0
            found += answer["creators"]
            job = await p.job(job_id)
            assert (job.step, job.processed_results) == (step + 1, found)
            assert len(sent.statements) <= most, "\n".join(sent.statements)
            assert sent.transactions <= MOST_TRANSACTIONS[engine]
