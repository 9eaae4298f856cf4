"""SqliteStore: the store contract (the InMemoryStore tests, run again), persistence across apps,
uniqueness by the database, value indexes, and reliability (threads, SIGKILL) with ``--db``.

The tests every durable store shares are in store_contract, run here against SQLite files."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import store_contract
from conftest import BASE, TOKEN, USER_SCHEMA
from store_contract import HEADERS, UNIQUE, OpenStore

from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_mock.store import ResourceStore, ValueIndex
from scim_mock.store_sqlite import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """Overrides test_store's fixture: its contract tests below run against a SQLite file."""
    opened = SqliteStore(str(tmp_path / "store.sqlite"), UNIQUE)
    yield opened
    opened.close()


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[OpenStore]:
    """Stores on one SQLite file of the test (store_contract)."""
    opened: list[SqliteStore] = []

    def open_one(unique: Any = UNIQUE, *, mixin: type | None = None, **kwargs: Any) -> Any:
        cls = SqliteStore if mixin is None else type("Mixed", (mixin, SqliteStore), {})
        opened.append(cls(str(tmp_path / "shared.sqlite"), unique, **kwargs))
        return opened[-1]

    yield open_one
    for one in opened:
        one.close()


@pytest.fixture
def durable_config(tmp_path: Path) -> MockConfig:
    return MockConfig(token=TOKEN, db_path=str(tmp_path / "mock.sqlite"))


@pytest.fixture
def serve_store_args(tmp_path: Path) -> list[str]:
    return ["--db", str(tmp_path / "killed.sqlite")]


# The InMemoryStore contract tests, imported so they run here against ``store`` above (those
# that build an InMemoryStore themselves stay in test_store), and the durable stores' own.
globals().update(store_contract.contract_tests())


def test_sqlite_store_satisfies_the_protocols(store: SqliteStore) -> None:
    assert isinstance(store, ResourceStore) and isinstance(store, ValueIndex)


def test_8_threads_creating_distinct_users_lose_nothing(tmp_path: Path) -> None:
    # The 8 x 500 creates through the app (about 4 s here).
    client_app = create_app(MockConfig(token=TOKEN, db_path=str(tmp_path / "m.sqlite")))

    def work(thread: int) -> list[int]:
        client = client_app.test_client()
        return [
            client.post(
                f"{BASE}/Users",
                json={"schemas": [USER_SCHEMA], "userName": f"t{thread}-{i}"},
                headers=HEADERS,
            ).status_code
            for i in range(500)
        ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [s for batch in pool.map(work, range(8)) for s in batch]
    assert statuses == [201] * 4000
    store = client_app.extensions["scim_mock"].extras["service_provider"].store
    assert store.count("User") == 4000
    store.close()
    reopened = SqliteStore(str(tmp_path / "m.sqlite"))
    assert reopened.count("User") == 4000
    reopened.close()
