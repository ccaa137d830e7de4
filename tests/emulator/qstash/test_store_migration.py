"""A database written before the event_shares table opens with its events' message fields."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from emulator.qstash.store import Store

_OLD_SCHEMA = """
CREATE TABLE event_messages (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE event_batches (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL,
                            data TEXT NOT NULL);
"""


def test_old_event_table_is_carried_over(tmp_path: Path) -> None:
    db = str(tmp_path / "old.sqlite3")
    with sqlite3.connect(db) as conn:
        conn.executescript(_OLD_SCHEMA)
        share = {"messageId": "msg_a", "url": "http://x.test/a", "method": "POST"}
        conn.execute("INSERT INTO event_messages VALUES ('msg_a', 1, ?)", (json.dumps(share),))
        own = [{"time": 1000, "state": "CREATED", "messageId": "msg_a"}]
        conn.execute("INSERT INTO event_batches VALUES (1, 1, ?)", (json.dumps(own),))
    conn.close()
    for _ in range(2):  # the second open finds the database already moved on
        store = Store(db)
        try:
            [(seq, event)] = store.load().events
        finally:
            store.close()
        assert seq == 1
        assert event == {**share, **own[0]}
