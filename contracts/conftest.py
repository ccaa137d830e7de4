"""Contract fixtures: the `target` under test (in-process stack, running stack, real QStash)."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from contracts.control import EmulatorControl, MockControl
from contracts.inprocess import ADMIN_USER, running_stack
from contracts.targets import QStashAccess, Target
from emulator.qstash.config import DEFAULT_TOKEN

POSTGRES_URL_VAR = "SCOUT_TEST_POSTGRES_URL"
REAL_VARS = (
    "QSTASH_TOKEN",
    "QSTASH_CURRENT_SIGNING_KEY",
    "QSTASH_NEXT_SIGNING_KEY",
    "CONTRACTS_PUBLIC_URL",
)
DECLARATIONS = ("verified_real", "emulator_only")
# A contract verified against real QStash can run there; so can one written for it but not
# yet run there (it stays emulator_only until someone sees it pass on real QStash).
REAL_CAPABLE = ("verified_real", "runs_on_real")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contracts", "contract suite targets")
    group.addoption(
        "--target",
        choices=("inprocess", "stack"),
        default="inprocess",
        help="inprocess (default): emulator, mock and service started per test on free ports; "
        "stack: a running stack given by the URLs below (e.g. `scout dev`)",
    )
    group.addoption("--service-url", default="http://127.0.0.1:3000", help="stack: the service")
    group.addoption("--emulator-url", default="http://127.0.0.1:8080", help="stack: QStash")
    group.addoption("--mock-url", default="http://127.0.0.1:8090", help="stack: the mock")
    group.addoption("--qstash-token", default=DEFAULT_TOKEN, help="stack: the emulator's token")
    group.addoption("--admin-user", default="dev-admin", help="stack: a user in ADMIN_USER_IDS")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a contract that does not say whether it was checked against real QStash."""
    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue
        declared = [name for name in DECLARATIONS if item.get_closest_marker(name)]
        if len(declared) != 1:
            raise pytest.UsageError(
                f"{item.nodeid}: a contract must declare exactly one of @pytest.mark."
                f"verified_real or @pytest.mark.emulator_only (found {declared or 'none'})"
            )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One run per engine in-process (SQLite, PostgreSQL), plus real QStash for the contracts
    that can run there."""
    if "target" not in metafunc.fixturenames:
        return
    if metafunc.config.getoption("--target") == "stack":
        params = [pytest.param("stack", id="stack")]
    else:
        params = [
            pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
        ]
    if any(metafunc.definition.get_closest_marker(name) for name in REAL_CAPABLE):
        params.append(pytest.param("real", id="real", marks=pytest.mark.real))
    metafunc.parametrize("target", params, indirect=True)


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_URL_VAR)
    if not url:
        if os.environ.get("SCOUT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"SCOUT_REQUIRE_POSTGRES=1 but {POSTGRES_URL_VAR} is not set")
        pytest.skip(f"set {POSTGRES_URL_VAR} to run the contracts on PostgreSQL too")
    return url


def _real_env() -> dict[str, str]:
    missing = [name for name in REAL_VARS if not os.environ.get(name)]
    if missing:
        reason = f"real QStash needs {', '.join(missing)}"
        if os.environ.get("CONTRACTS_REQUIRE_REAL") == "1":
            pytest.fail(f"CONTRACTS_REQUIRE_REAL=1 but {reason}")
        pytest.skip(reason)
    return {name: os.environ[name] for name in REAL_VARS}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def target(
    request: pytest.FixtureRequest, http: aiohttp.ClientSession, tmp_path: Path
) -> AsyncIterator[Target]:
    kind: str = request.param
    if kind == "real":
        env = _real_env()
        yield Target(
            name="real QStash",
            http=http,
            qstash=QStashAccess(
                os.environ.get("QSTASH_URL", "https://qstash.upstash.io"),
                env["QSTASH_TOKEN"],
                env["QSTASH_CURRENT_SIGNING_KEY"],
                env["QSTASH_NEXT_SIGNING_KEY"],
            ),
            receiver_port=int(os.environ.get("CONTRACTS_RECEIVER_PORT", "8787")),
            public_base=env["CONTRACTS_PUBLIC_URL"],
        )
    elif kind == "stack":
        option = request.config.getoption
        emulator = EmulatorControl(http, option("--emulator-url"), option("--qstash-token"))
        try:
            keys = await _keys(http, option("--emulator-url"), option("--qstash-token"))
            skew = await emulator.now() - time.time()
        except aiohttp.ClientError as error:
            pytest.fail(f"no stack at {option('--emulator-url')} ({error}); start `scout dev`")
        yield Target(
            name="stack",
            http=http,
            qstash=QStashAccess(emulator.url, emulator.token, *keys),
            emulator=emulator,
            mock=MockControl(http, option("--mock-url")),
            service_url=option("--service-url"),
            admin_user=option("--admin-user"),
            skew=skew,
        )
    else:
        engine = "sqlite" if kind == "sqlite" else _postgres_url()
        async with running_stack(engine, tmp_path) as stack:
            emu = stack.emulator
            yield Target(
                name=f"in-process ({kind})",
                http=http,
                qstash=QStashAccess(
                    emu.url, emu.token, emu.current_signing_key, emu.next_signing_key
                ),
                clock=emu.now,
                emulator=EmulatorControl(http, emu.url, emu.token),
                mock=MockControl(http, stack.mock_url),
                service_url=stack.service_url,
                admin_user=ADMIN_USER,
                virtual_service_time=True,
                disposable=True,
                database=stack.store,
            )


async def _keys(http: aiohttp.ClientSession, url: str, token: str) -> tuple[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{url.rstrip('/')}/v2/keys", headers=headers) as response:
        response.raise_for_status()
        keys = await response.json()
        return str(keys["current"]), str(keys["next"])
