"""The store's hand-off: a row that cannot be rendered is left out, the rest still commits."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from emulator.qstash.store import Store


def _broken() -> Sequence[str]:
    raise ValueError("unrenderable")


async def test_a_row_that_fails_to_render_does_not_hold_up_the_commit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = str(tmp_path / "store.sqlite3")
    store = Store(db)
    store.start()
    try:
        store.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", _broken)
        store.save_meta("kept", "yes")
        await store.commit()  # returns: the broken row did not stall the batch
    finally:
        store.close()
    assert "cannot render a row" in caplog.text
    reopened = Store(db)
    try:
        assert reopened.load().meta == {"kept": "yes"}
    finally:
        reopened.close()
