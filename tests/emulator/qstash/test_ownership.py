"""Only State writes to the store and waits for its commit, and the HTTP layer waits for that
commit once, after every request that may change something (no handler can forget it)."""

from __future__ import annotations

import re
from pathlib import Path

import emulator.qstash
from emulator.qstash.testing import running_emulator
from tests.emulator.qstash.conftest import api

_PACKAGE = Path(emulator.qstash.__file__).parent
_OWNERS = {"state.py", "store.py", "testing.py", "app.py", "eventlog.py"}
_STORE_USE = re.compile(r"\w\.store\.|\.commit\(\)")  # not `emulator.qstash.store import`


def test_only_the_state_writes_to_the_store_or_waits_for_it() -> None:
    offenders = [
        f"{path.relative_to(_PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(_PACKAGE.rglob("*.py"))
        if path.name not in _OWNERS or path.parent != _PACKAGE
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if _STORE_USE.search(line)
    ]
    assert offenders == []


async def test_a_change_answers_only_once_it_is_on_disk(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    async with running_emulator(str(db)) as emu:
        store = emu.state.store
        commits = 0
        commit = store.commit

        async def counted() -> None:
            nonlocal commits
            commits += 1
            await commit()

        store.commit = counted  # type: ignore[method-assign]
        assert (await api(emu, "POST", "/v2/queues", json={"queueName": "q1"}))[0] == 200
        assert (await api(emu, "GET", "/v2/queues"))[0] == 200
        assert (await api(emu, "POST", "/v2/flowControl/none/resetRate"))[0] == 404
        assert commits == 1  # the change waited; the read and the refused request did not
