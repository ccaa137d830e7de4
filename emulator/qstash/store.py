"""SQLite persistence: one writer thread that group-commits batches, and a loader for restarts."""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from emulator.qstash import codec
from emulator.qstash.errors import StoreWriteError
from emulator.qstash.models import DlqEntry, JsonDict, Message, Queue, Schedule, UrlGroup

log = logging.getLogger("emulator.qstash")
FLOW_PREFIX = "flow:"
FLUSH_DELAY = 0.02  # seconds writes without a waiting commit may sit before the hand-off
MAX_PENDING = 2000  # meta keys holding a flow-control key's pause and pins

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, data TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS dlq (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL,
                                body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS event_shares (seq INTEGER PRIMARY KEY, id TEXT NOT NULL,
                                         data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event_batches (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL,
                                          data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS schedules (id TEXT PRIMARY KEY, data TEXT NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS dedup (key TEXT PRIMARY KEY, message_id TEXT NOT NULL,
                                  expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queues (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS url_groups (name TEXT PRIMARY KEY, data TEXT NOT NULL);
"""
_TABLES = (
    "messages",
    "dlq",
    "event_batches",
    "event_shares",
    "schedules",
    "dedup",
    "meta",
    "queues",
    "url_groups",
)


class StoreError(Exception):
    """The database file cannot be opened or is not an emulator database."""


@dataclass
class Snapshot:
    messages: list[Message] = field(default_factory=list)
    dlq: list[DlqEntry] = field(default_factory=list)
    events: list[tuple[int, JsonDict]] = field(default_factory=list)
    shares: list[tuple[str, int]] = field(default_factory=list)  # (message id, share seq)
    schedules: list[Schedule] = field(default_factory=list)
    dedup: list[tuple[str, str, float]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    queues: list[Queue] = field(default_factory=list)
    url_groups: list[UrlGroup] = field(default_factory=list)


# (sql, params); params may be a callable, rendered once when its batch is handed over, so a
# row shows the latest state and events of one hand-off share a row.
_Params = Sequence[Any] | Callable[[], Sequence[Any]]
_Op = tuple[str, Sequence[Any]]
_Undo = Callable[[], None]


@dataclass(slots=True)
class _Batch:
    """One hand-off: rendered statements, the commits waiting for them, the undos of the
    changes they persist (run if the disk refuses them), and the newest event seq they hold.
    `error` is set when the hand-off could not even be rendered."""

    ops: list[_Op]
    waiters: list[asyncio.Future[None]]
    undos: list[_Undo]
    event_seq: int
    error: str | None = None


class Store:
    """Writes are queued in order and committed in batches by one thread (group commit).

    `commit()` resolves once everything queued before it is on disk, so a publish can answer
    200 only after its row is durable while concurrent publishers share one commit. When the
    disk refuses a batch, its changes' undos run and every commit waiting on it raises
    StoreWriteError; later batches are tried again, so the emulator recovers by itself once
    the disk accepts writes. With `path=None` nothing is written (the `--memory` mode).
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._queue: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._pending: list[tuple[str, _Params]] = []
        self._waiters: list[asyncio.Future[None]] = []
        self._undos: list[_Undo] = []
        self._event_seq = 0  # the newest event queued
        self._settled_seq = 0  # every event up to this one is on disk or was refused
        self._failing = False  # the last batch with writes was refused (logged once)
        self._flush_soon = False
        self._flush_later: asyncio.TimerHandle | None = None
        self._event_batch: _EventBatch | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        if path is not None:
            try:
                self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
                self._conn.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode survives a killed process; only a power cut can lose the tail.
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.executescript(SCHEMA)
                _migrate(self._conn)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open database {path}: {exc}") from None

    def load(self) -> Snapshot:
        snap = Snapshot()
        if self._conn is None:
            return snap
        try:
            rows = self._conn.execute("SELECT data, body FROM messages").fetchall()
            snap.messages = [codec.message_from_row(d, b) for d, b in rows]
            rows = self._conn.execute("SELECT id, seq, data, body FROM dlq ORDER BY seq").fetchall()
            snap.dlq = [codec.dlq_from_row(*row) for row in rows]
            rows = self._conn.execute(
                "SELECT first_seq, data FROM event_batches ORDER BY first_seq"
            ).fetchall()
            shares = dict(self._conn.execute("SELECT id, data FROM event_shares").fetchall())
            snap.events = [
                (first + offset, {**json.loads(shares.get(own["messageId"], "{}")), **own})
                for first, data in rows
                for offset, own in enumerate(json.loads(data))
            ]
            self._settled_seq = self._event_seq = max((seq for seq, _ in snap.events), default=0)
            snap.shares = self._conn.execute("SELECT id, seq FROM event_shares").fetchall()
            rows = self._conn.execute("SELECT data, body FROM schedules").fetchall()
            snap.schedules = [codec.schedule_from_row(d, b) for d, b in rows]
            snap.dedup = self._conn.execute("SELECT key, message_id, expires FROM dedup").fetchall()
            snap.meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
            rows = self._conn.execute("SELECT name, data FROM queues").fetchall()
            snap.queues = [codec.queue_from_row(n, d) for n, d in rows]
            rows = self._conn.execute("SELECT data FROM url_groups").fetchall()
            snap.url_groups = [codec.url_group_from_row(d) for (d,) in rows]
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"cannot read database {self.path}: {exc}") from None
        return snap

    def start(self) -> None:
        if self._conn is not None and self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._thread = threading.Thread(target=self._run, name="qstash-store", daemon=True)
            self._thread.start()
            self._flush()

    def close(self) -> None:
        if self._thread is not None:
            self._flush()
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def execute(self, sql: str, params: _Params, undo: _Undo | None = None) -> None:
        """Queue a write; `undo` reverts the change in memory if the disk refuses it."""
        if self._conn is not None:
            self._pending.append((sql, params))
            if undo is not None:
                self._undos.append(undo)
            self._schedule_flush()

    def settled(self, event_seq: int) -> bool:
        """Is the fate of everything queued with this event (on disk, or refused) known?"""
        return self._conn is None or event_seq <= self._settled_seq

    async def commit(self) -> None:
        """Wait until everything queued so far is committed."""
        if self._thread is None or self._loop is None:
            return
        done: asyncio.Future[None] = self._loop.create_future()
        self._waiters.append(done)
        self._schedule_flush(urgent=True)
        await done

    def _schedule_flush(self, *, urgent: bool = False) -> None:
        """Hand writes to the writer thread in batches: at the end of the loop iteration when
        someone waits for a commit, else within FLUSH_DELAY (or once MAX_PENDING pile up).

        Every hand-off wakes the thread and moves the GIL; once per publish batch is cheap,
        once per loop iteration was a tenth of the event loop's time under load."""
        loop = self._loop
        if loop is None:
            return
        if urgent or len(self._pending) >= MAX_PENDING:
            if not self._flush_soon:
                self._flush_soon = True
                loop.call_soon(self._flush)
        elif self._flush_later is None and not self._flush_soon:
            self._flush_later = loop.call_later(FLUSH_DELAY, self._flush)

    def _flush(self) -> None:
        self._flush_soon = False
        if self._flush_later is not None:
            self._flush_later.cancel()
            self._flush_later = None
        self._event_batch = None
        if self._pending or self._waiters:
            batch = _Batch([], self._waiters, self._undos, self._event_seq)
            # Rendered here, on the event loop, not on the writer thread: there it held the GIL
            # in short bursts between SQLite calls, and every hand-over of the GIL to and fro
            # cost more than the rendering itself (see the commit that moved it for figures).
            for sql, params in self._pending:
                try:
                    batch.ops.append((sql, params() if callable(params) else params))
                except Exception as exc:
                    # The whole hand-off is refused (its waiters cannot tell which row is
                    # theirs); it still goes through the thread so batches settle in order.
                    log.exception("emulator store: cannot render a row for %s", sql)
                    batch.ops, batch.error = [], f"cannot render a row: {exc!r}"
                    break
            self._queue.put(batch)
            self._pending, self._waiters, self._undos = [], [], []

    # Typed helpers for each table, so the state never writes SQL itself.

    def save_message(self, message: Message, undo: _Undo | None = None) -> None:
        # Rendered at the hand-off; a later state of the message is as good (newer wins).
        self.execute(
            "INSERT OR REPLACE INTO messages VALUES (?, ?, ?)",
            lambda: codec.message_row(message),
            undo,
        )

    def delete_message(self, message_id: str) -> None:
        self.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def save_dlq(self, entry: DlqEntry) -> None:
        self.execute("INSERT OR REPLACE INTO dlq VALUES (?, ?, ?, ?)", codec.dlq_row(entry))

    def delete_dlq(self, dlq_id: str, undo: _Undo | None = None) -> None:
        self.execute("DELETE FROM dlq WHERE id = ?", (dlq_id,), undo)

    def save_event_message(self, message_id: str, seq: int, render: Callable[[], str]) -> None:
        # Keyed by the first event's seq, so rows append at the end of the table: keyed by the
        # random message id, each insert dirtied its own page and every commit wrote them all.
        self.execute(
            "INSERT OR REPLACE INTO event_shares VALUES (?, ?, ?)",
            lambda: (seq, message_id, render()),
        )

    def save_event(self, seq: int, render: Callable[[], str], *, keep: int) -> None:
        """`render` (run at the hand-off) gives the event's JSON text. Events of one
        hand-off share one row: a row per event cost more than rendering the event."""
        batch = self._event_batch
        if batch is None or batch.next_seq != seq:
            batch = self._event_batch = _EventBatch(seq)
            self.execute("INSERT INTO event_batches VALUES (?, ?, ?)", batch)
        batch.renders.append(render)
        batch.next_seq += 1
        self._event_seq = seq
        if seq % 1000 == 0:
            self.execute("DELETE FROM event_batches WHERE last_seq <= ?", (seq - keep,))

    def delete_event_share(self, seq: int) -> None:
        """A message's share, once its last event has left the kept window (by primary key)."""
        self.execute("DELETE FROM event_shares WHERE seq = ?", (seq,))

    def save_schedule(self, schedule: Schedule, undo: _Undo | None = None) -> None:
        self.execute(
            "INSERT OR REPLACE INTO schedules VALUES (?, ?, ?)", codec.schedule_row(schedule), undo
        )

    def delete_schedule(self, schedule_id: str, undo: _Undo | None = None) -> None:
        self.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,), undo)

    def save_dedup(
        self, key: str, message_id: str, expires: float, undo: _Undo | None = None
    ) -> None:
        self.execute(
            "INSERT OR REPLACE INTO dedup VALUES (?, ?, ?)", (key, message_id, expires), undo
        )

    def purge_dedup(self, now: float) -> None:
        self.execute("DELETE FROM dedup WHERE expires <= ?", (now,))

    def save_flow(self, key: str, settings: JsonDict, undo: _Undo | None = None) -> None:
        self.save_meta(FLOW_PREFIX + key, json.dumps(settings), undo)

    def save_meta(self, key: str, value: str, undo: _Undo | None = None) -> None:
        self.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value), undo)

    def save_queue(self, queue: Queue, undo: _Undo | None = None) -> None:
        self.execute("INSERT OR REPLACE INTO queues VALUES (?, ?)", codec.queue_row(queue), undo)

    def delete_queue(self, name: str, undo: _Undo | None = None) -> None:
        self.execute("DELETE FROM queues WHERE name = ?", (name,), undo)

    def save_url_group(self, group: UrlGroup, undo: _Undo | None = None) -> None:
        row = codec.url_group_row(group)
        self.execute("INSERT OR REPLACE INTO url_groups VALUES (?, ?)", row, undo)

    def delete_url_group(self, name: str, undo: _Undo | None = None) -> None:
        self.execute("DELETE FROM url_groups WHERE name = ?", (name,), undo)

    def clear(self) -> None:
        self._event_batch = None  # later events must land after the deletes
        for table in _TABLES:
            self.execute(f"DELETE FROM {table}", ())

    def _run(self) -> None:
        conn, loop = self._conn, self._loop
        assert conn is not None
        assert loop is not None
        while True:
            items = [self._queue.get()]
            while True:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            batches = [item for item in items if item is not None]
            # Everything waiting is one transaction: it commits or is refused as a whole.
            error: str | None = None
            try:
                self._write(conn, [op for batch in batches for op in batch.ops])
            except sqlite3.Error as exc:
                error = f"{type(exc).__name__}: {exc}"
                try:
                    if conn.in_transaction:
                        conn.rollback()
                except sqlite3.Error:
                    pass  # the failed transaction is gone either way; the next one retries
            for batch in batches:
                if batch.error is None and batch.ops:
                    batch.error = error
            if batches:
                loop.call_soon_threadsafe(self._settle, batches)
            if None in items:
                return

    def _settle(self, batches: list[_Batch]) -> None:
        """On the loop, in hand-off order: release the waiters, or undo and fail them."""
        for batch in batches:
            self._settled_seq = max(self._settled_seq, batch.event_seq)
            if batch.error is None:
                if batch.ops and self._failing:  # a real write went through
                    self._failing = False
                    log.warning("store_writes_resumed: the database accepts writes again")
                for waiter in batch.waiters:
                    if not waiter.done():
                        waiter.set_result(None)
                continue
            if not self._failing:
                self._failing = True
                log.error(
                    "store_write_failed: %s; changes are refused (HTTP 500) until the database "
                    "accepts writes again",
                    batch.error,
                )
            for undo in reversed(batch.undos):
                try:
                    undo()
                except Exception:
                    log.exception("emulator store: cannot undo a refused change")
            for waiter in batch.waiters:
                if not waiter.done():
                    waiter.set_exception(StoreWriteError(batch.error))

    @staticmethod
    def _write(conn: sqlite3.Connection, ops: list[_Op]) -> None:
        if not ops:
            return
        conn.execute("BEGIN")
        # Consecutive statements with the same SQL go through one executemany call.
        start = 0
        while start < len(ops):
            end = start
            while end < len(ops) and ops[end][0] == ops[start][0]:
                end += 1
            conn.executemany(ops[start][0], [params for _, params in ops[start:end]])
            start = end
        conn.execute("COMMIT")


def _migrate(conn: sqlite3.Connection) -> None:
    """Move a database written before event_shares (keyed by message id) to the new table."""
    old = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'event_messages'").fetchone()
    if old is not None:
        with conn:
            conn.execute("BEGIN")
            conn.execute(
                "INSERT OR REPLACE INTO event_shares SELECT seq, id, data FROM event_messages"
            )
            conn.execute("DROP TABLE event_messages")


class _EventBatch:
    """Consecutive events written as one row: a JSON array starting at `first_seq`."""

    def __init__(self, first_seq: int) -> None:
        self.first_seq = first_seq
        self.next_seq = first_seq
        self.renders: list[Callable[[], str]] = []

    def __call__(self) -> tuple[int, int, str]:
        texts = ",".join(render() for render in self.renders)
        return self.first_seq, self.next_seq - 1, f"[{texts}]"
