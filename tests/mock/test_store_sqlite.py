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

from scim_mock import errors
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


# The side tables as files of an earlier version have them: a second index by owner on both.
_EARLIER_LAYOUT = """
CREATE TABLE resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, rtype TEXT NOT NULL, id TEXT NOT NULL,
    body TEXT NOT NULL, UNIQUE (rtype, id)
);
CREATE TABLE uniq (
    rtype TEXT NOT NULL, attr TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (rtype, attr, key)
) WITHOUT ROWID;
CREATE INDEX resources_by_type ON resources (rtype, seq);
CREATE INDEX uniq_by_id ON uniq (rtype, id);
CREATE TABLE vals (rtype TEXT NOT NULL, attr TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL);
CREATE INDEX vals_by_key ON vals (rtype, attr, key);
CREATE INDEX vals_by_id ON vals (rtype, id);
CREATE TABLE members (
    pos INTEGER PRIMARY KEY AUTOINCREMENT, member TEXT NOT NULL, grp TEXT NOT NULL
);
CREATE TABLE state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def test_a_file_of_the_earlier_layout_is_migrated_with_its_keys(tmp_path: Path) -> None:
    import json
    import sqlite3

    path = str(tmp_path / "earlier.sqlite")
    body = {
        "schemas": [USER_SCHEMA], "id": "u1", "userName": "Babs",
        "emails": [{"value": "babs@example.com"}, {"value": "BABS@example.com"}],
        "meta": {"resourceType": "User", "created": "2026-01-01T00:00:00.000Z",
                 "lastModified": "2026-01-01T00:00:00.000Z", "version": 'W/"1"'},
    }  # fmt: skip
    conn = sqlite3.connect(path)
    conn.executescript(_EARLIER_LAYOUT)
    conn.execute("INSERT INTO resources (rtype, id, body) VALUES ('User', 'u1', ?)",
                 (json.dumps(body),))  # fmt: skip
    conn.execute("INSERT INTO state VALUES ('version', '1'), ('unique', 'x')")
    conn.commit()
    conn.close()

    store = SqliteStore(path, UNIQUE)
    try:
        master = store._current().conn.execute("SELECT name FROM sqlite_master")
        names = {row[0] for row in master}
        assert not names & {"uniq_by_id", "vals_by_id", "vals_by_key"}
        assert store.get("User", "u1")["userName"] == "Babs"
        found = store.find_unique("User", "userName", "babs")
        assert found is not None and found["id"] == "u1"
        emails = store.find_by_value("User", "emails.value", "babs@example.com")
        assert [r["id"] for r in emails or []] == ["u1"]
        with pytest.raises(errors.Uniqueness):
            store.create("User", {"schemas": [USER_SCHEMA], "userName": "BABS"})
        store.delete("User", "u1")
        assert store.find_by_value("User", "emails.value", "babs@example.com") == []
        store.create("User", {"schemas": [USER_SCHEMA], "userName": "babs"})  # free again
    finally:
        store.close()


def test_a_replace_moves_only_the_keys_and_values_that_changed(store: SqliteStore) -> None:
    created = store.create("User", {"schemas": [USER_SCHEMA], "userName": "a",
                                    "emails": [{"value": "a@example.com"}]})  # fmt: skip
    other = store.create("User", {"schemas": [USER_SCHEMA], "userName": "b"})
    id = created["id"]
    moved = {**created, "displayName": "A", "emails": [{"value": "c@example.com"}]}
    store.replace("User", id, moved)
    assert store.find_by_value("User", "emails.value", "a@example.com") == []
    found = store.find_by_value("User", "emails.value", "C@example.com") or []
    assert [r["id"] for r in found] == [id]
    store.replace("User", id, {**created, "userName": "renamed"})
    assert store.find_unique("User", "userName", "a") is None
    assert store.find_unique("User", "userName", "RENAMED")["id"] == id  # type: ignore[index]
    store.replace("User", other["id"], {**other, "userName": "a"})  # the old name is free
    rows = store._current().conn.execute("SELECT COUNT(*) FROM uniq").fetchone()[0]
    assert rows == 2
