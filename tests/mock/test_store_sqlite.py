"""SqliteStore: the store contract (the InMemoryStore tests, run again), persistence across apps,
uniqueness by the database, value indexes, and reliability (threads, SIGKILL) with ``--db``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import test_store
from conftest import BASE, TOKEN, USER_SCHEMA
from test_store import group, user

from scim_mock import errors
from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_mock.store import ResourceStore, ValueIndex
from scim_mock.store_sqlite import SqliteStore

UNIQUE = {"User": [("userName", False)], "Group": [("displayName", False)]}
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """Overrides test_store's fixture: its contract tests below run against a SQLite file."""
    opened = SqliteStore(str(tmp_path / "store.sqlite"), UNIQUE)
    yield opened
    opened.close()


# The InMemoryStore contract tests, imported so they run here against ``store`` above (those
# that build an InMemoryStore themselves stay in test_store).
_OWN = {
    "test_in_memory_store_satisfies_the_protocol",
    "test_case_exact_unique_attribute_distinguishes_case",
}
for _name in dir(test_store):
    if _name.startswith("test_") and _name not in _OWN:
        globals()[_name] = getattr(test_store, _name)


def test_sqlite_store_satisfies_the_protocols(store: SqliteStore) -> None:
    assert isinstance(store, ResourceStore) and isinstance(store, ValueIndex)


def test_case_exact_unique_attribute_by_the_database(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "s.sqlite"), {"User": [("externalId", True)]})
    store.create("User", user("a", externalId="Ab"))
    store.create("User", user("b", externalId="ab"))
    with pytest.raises(errors.Uniqueness):
        store.create("User", user("c", externalId="Ab"))
    assert store.count("User") == 2  # the refused create left no row behind
    store.close()


def test_a_store_reopened_on_the_file_keeps_everything(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sqlite")
    first = SqliteStore(path, UNIQUE)
    a = first.create("User", user("alice", externalId="E", emails=[{"value": "A@x.org"}]))
    g = first.create("Group", group("g", a["id"]))
    first.close()
    again = SqliteStore(path, UNIQUE)
    assert again.get("User", a["id"]) == a and again.list("Group") == [g]
    assert again.groups_of(a["id"]) == [g["id"]]
    with pytest.raises(errors.Uniqueness):
        again.create("User", user("ALICE"))
    assert again.create("User", user("b"))["meta"]["version"] not in {
        a["meta"]["version"],
        g["meta"]["version"],
    }
    again.close()


def test_value_indexes_answer_eq_candidates(store: SqliteStore) -> None:
    a = store.create("User", user("a", externalId="Ext", emails=[{"value": "A@Example.org"}]))
    store.create("User", user("b", emails=[{"value": "b@example.org"}]))
    g = store.create("Group", group("g", a["id"]))
    assert store.find_by_value("User", "emails.value", "a@example.ORG") == [a]
    assert store.find_by_value("User", "externalId", "ext") == [a]  # a superset: folded
    assert store.find_by_external_id("User", "ext") == []  # exact (C-3.1-12)
    assert store.find_by_value("Group", "members.value", a["id"]) == [g]
    assert store.find_by_value("User", "nickName", "x") is None  # not indexed: scan
    store.replace("User", a["id"], user("a"))
    assert store.find_by_value("User", "emails.value", "a@example.org") == []


def test_a_failed_provider_transaction_is_rolled_back(store: SqliteStore) -> None:
    with pytest.raises(errors.PreconditionFailed), store.transaction():
        store.create("User", user("rolled-back"))
        raise errors.PreconditionFailed("stop")
    assert store.count("User") == 0
    assert store.find_unique("User", "userName", "rolled-back") is None


def test_a_custom_conflict_rule_is_applied(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "s.sqlite"), UNIQUE, conflict=lambda holder, own: False)
    store.create("User", user("same"))
    store.create("User", user("SAME"))  # the extension's rule lets duplicates in
    assert store.count("User") == 2
    store.close()


# -- through the app ---------------------------------------------------------------------------


def _app_client(path: Path) -> Any:
    return create_app(MockConfig(token=TOKEN, db_path=str(path))).test_client()


def test_an_app_restarted_on_the_file_reads_back_what_was_written(tmp_path: Path) -> None:
    db = tmp_path / "mock.sqlite"
    client = _app_client(db)
    body = {"schemas": [USER_SCHEMA], "userName": "persisted", "emails": [{"value": "p@x.org"}]}
    created = client.post(f"{BASE}/Users", json=body, headers=HEADERS)
    assert created.status_code == 201
    patched = client.patch(
        f"{BASE}/Users/{created.json['id']}",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": "Boss"}],
        },
        headers=HEADERS,
    )
    assert patched.status_code == 200
    client.application.extensions["scim_mock"].extras["service_provider"].store.close()
    restarted = _app_client(db)
    read = restarted.get(f"{BASE}/Users/{created.json['id']}", headers=HEADERS)
    assert read.status_code == 200 and read.json == patched.json
    found = restarted.get(
        f"{BASE}/Users", query_string={"filter": 'emails.value eq "P@X.ORG"'}, headers=HEADERS
    )
    assert [r["id"] for r in found.json["Resources"]] == [created.json["id"]]
    again = restarted.post(f"{BASE}/Users", json=body, headers=HEADERS)
    assert again.status_code == 409 and again.json["scimType"] == "uniqueness"


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


def test_8_threads_creating_one_user_name_get_one_201_and_seven_409(tmp_path: Path) -> None:
    client_app = create_app(MockConfig(token=TOKEN, db_path=str(tmp_path / "m.sqlite")))
    barrier = threading.Barrier(8)

    def attempt(thread: int) -> int:
        client = client_app.test_client()
        barrier.wait(timeout=10)
        name = "Contested" if thread % 2 else "contested"
        body = {"schemas": [USER_SCHEMA], "userName": name}
        return client.post(f"{BASE}/Users", json=body, headers=HEADERS).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses == [201] + [409] * 7


def test_two_stores_on_one_file_share_uniqueness(tmp_path: Path) -> None:
    # Two processes' connections behave alike: the database, not a process lock, refuses.
    path = str(tmp_path / "s.sqlite")
    one, two = SqliteStore(path, UNIQUE), SqliteStore(path, UNIQUE)
    one.create("User", user("shared"))
    with pytest.raises(errors.Uniqueness):
        two.create("User", user("SHARED"))
    versions = {one.create("User", user("x"))["meta"]["version"]}
    versions.add(two.create("User", user("y"))["meta"]["version"])
    assert len(versions) == 2
    one.close()
    two.close()


# -- SIGKILL during a write load ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "scim_mock", "serve", "--port", str(port)]
    command += ["--token", TOKEN, "--db", str(db), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert process.stdout is not None
    assert b"serving" in process.stdout.readline()  # printed once it listens
    return process


def _request(url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    method = "GET" if body is None else "POST"
    req = urllib.request.Request(url, data=data, headers=HEADERS, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_sigkill_during_writes_loses_no_answered_write(tmp_path: Path) -> None:
    db = tmp_path / "killed.sqlite"
    port = _free_port()
    server = _serve(db, port)
    url = f"http://127.0.0.1:{port}{BASE}/Users"
    answered: list[str] = []
    stop = threading.Event()

    def load(thread: int) -> None:
        i = 0
        while not stop.is_set():
            try:
                status, body = _request(
                    url, {"schemas": [USER_SCHEMA], "userName": f"k{thread}-{i}"}
                )
            except Exception:  # noqa: BLE001 - refused, reset, cut short: not answered
                return  # the server is gone: this write was never answered
            if status == 201:
                answered.append(body["id"])
            i += 1

    threads = [threading.Thread(target=load, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60  # a guard against a hang, not a timing assertion
    while len(answered) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)  # well inside the write load, not at a quiet moment
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    assert server.stdout is not None
    server.stdout.close()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answered) >= 150 and not any(t.is_alive() for t in threads)
    port = _free_port()
    restarted = _serve(db, port)
    try:
        for id in answered:
            status, body = _request(f"http://127.0.0.1:{port}{BASE}/Users/{id}")
            assert status == 200 and body["id"] == id
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)
        assert restarted.stdout is not None
        restarted.stdout.close()


# -- query planning: indexed eq never scans ----------------------------------------------------


class _NoScan(SqliteStore):
    """A store that fails a query which reads every resource of a type."""

    scanning = False

    def list(self, resource_type: str) -> list[dict[str, Any]]:
        assert not self.scanning, f"scanned {resource_type}"
        return super().list(resource_type)

    def select(self, resource_type: str, predicate: Any) -> list[dict[str, Any]]:
        assert not self.scanning, f"scanned {resource_type}"
        return super().select(resource_type, predicate)


@pytest.mark.parametrize(
    ("type_name", "filter_text"),
    [
        ("User", 'userName eq "ALICE"'),
        ("User", 'id eq "{user}"'),
        ("User", 'externalId eq "ext-1"'),
        ("User", 'emails.value eq "Alice@Example.org"'),
        ("User", 'urn:ietf:params:scim:schemas:core:2.0:User:emails.value eq "alice@example.org"'),
        ("User", 'emails.value eq "alice@example.org" and active eq true'),
        ("Group", 'members.value eq "{user}"'),
    ],
)
def test_indexed_eq_filters_never_scan(type_name: str, filter_text: str) -> None:
    from scim_mock.provider import Query, ServiceProvider
    from scim_mock.schema import SchemaRegistry
    from scim_mock.seams import unique_attributes

    registry = SchemaRegistry.load()
    store = _NoScan(":memory:", unique_attributes(registry))
    provider = ServiceProvider(registry, MockConfig(), store=store)
    users, groups = provider.resource_type("User"), provider.resource_type("Group")
    body = {"schemas": [USER_SCHEMA], "userName": "alice", "externalId": "ext-1", "active": True}
    alice = provider.create(users, {**body, "emails": [{"value": "alice@example.org"}]})
    provider.create(users, {"schemas": [USER_SCHEMA], "userName": "bob", "externalId": "ext-2"})
    team = {"schemas": [group("x")["schemas"][0]], "displayName": "team"}
    made = provider.create(groups, {**team, "members": [{"value": alice["id"]}]})
    provider.create(groups, {**team, "displayName": "empty"})
    store.scanning = True
    rt = users if type_name == "User" else groups
    result = provider.query([rt], Query(filter=filter_text.replace("{user}", alice["id"])))
    expected = alice["id"] if type_name == "User" else made["id"]
    assert [r["id"] for _, r in result.resources] == [expected]
    store.close()
