"""The durable stores' shared tests, run by test_store_sqlite and test_store_postgres.

Each backend module puts :func:`contract_tests` (test_store's contract and the ``test_*``
functions below) into its namespace and provides the fixtures they use:

* ``store``: an empty store of the backend (the InMemoryStore contract runs on it too);
* ``open_store(unique=UNIQUE, *, mixin=None, **kwargs)``: a new store on the test's database
  (a second call opens another one on the same data, as another process would); ``mixin`` is
  a class put before the backend's in a subclass; every store opened is closed at teardown;
* ``durable_config``: a :class:`MockConfig` (test token) whose app keeps its resources there;
* ``serve_store_args``: the ``scim-mock serve`` arguments that select that store.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
import test_store
from conftest import BASE, TOKEN, USER_SCHEMA
from flask import Flask
from test_store import group, user

from scim_mock import errors
from scim_mock.app import create_app
from scim_mock.config import MockConfig

UNIQUE = {"User": [("userName", False)], "Group": [("displayName", False)]}
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
OpenStore = Callable[..., Any]


def contract_tests() -> dict[str, Callable[..., None]]:
    """The InMemoryStore contract tests (test_store), but for those that build an InMemoryStore
    themselves, and the tests below: for ``globals().update(...)`` in a backend's module."""
    own = {
        "test_in_memory_store_satisfies_the_protocol",
        "test_case_exact_unique_attribute_distinguishes_case",
    }
    found: dict[str, Callable[..., None]] = {}
    for module in (test_store, sys.modules[__name__]):
        for name in dir(module):
            if name.startswith("test_") and name not in own:
                found[name] = getattr(module, name)
    return found


def close_app(app: Flask) -> None:
    """Close the durable store of an app built by a test."""
    app.extensions["scim_mock"].extras["service_provider"].store.close()


def test_case_exact_unique_attribute_by_the_database(open_store: OpenStore) -> None:
    store = open_store({"User": [("externalId", True)]})
    store.create("User", user("a", externalId="Ab"))
    store.create("User", user("b", externalId="ab"))
    with pytest.raises(errors.Uniqueness):
        store.create("User", user("c", externalId="Ab"))
    assert store.count("User") == 2  # the refused create left no row behind


def test_a_reopened_store_keeps_everything(open_store: OpenStore) -> None:
    first = open_store()
    a = first.create("User", user("alice", externalId="E", emails=[{"value": "A@x.org"}]))
    g = first.create("Group", group("g", a["id"]))
    first.close()
    again = open_store()
    assert again.get("User", a["id"]) == a and again.list("Group") == [g]
    assert again.groups_of(a["id"]) == [g["id"]]
    with pytest.raises(errors.Uniqueness):
        again.create("User", user("ALICE"))
    assert again.create("User", user("b"))["meta"]["version"] not in {
        a["meta"]["version"],
        g["meta"]["version"],
    }


def test_value_indexes_answer_eq_candidates(store: Any) -> None:
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


def test_a_failed_provider_transaction_is_rolled_back(store: Any) -> None:
    with pytest.raises(errors.PreconditionFailed), store.transaction():
        store.create("User", user("rolled-back"))
        raise errors.PreconditionFailed("stop")
    assert store.count("User") == 0
    assert store.find_unique("User", "userName", "rolled-back") is None


def test_a_refused_write_inside_a_transaction_leaves_the_rest_of_it(store: Any) -> None:
    with store.transaction():
        kept = store.create("User", user("kept"))
        with pytest.raises(errors.Uniqueness):
            store.create("User", user("KEPT"))
        store.replace("User", kept["id"], user("kept", title="after"))
    assert [r["title"] for r in store.list("User")] == ["after"]


def test_a_custom_conflict_rule_is_applied(open_store: OpenStore) -> None:
    store = open_store(conflict=lambda holder, own: False)
    store.create("User", user("same"))
    store.create("User", user("SAME"))  # the extension's rule lets duplicates in
    assert store.count("User") == 2


def test_a_scan_parses_only_what_changed_and_sees_other_stores_writes(
    open_store: OpenStore,
) -> None:
    reader, writer = open_store(), open_store()  # two processes, in effect
    made = [reader.create("User", user(f"u{i}", title="a")) for i in range(5)]
    titled = lambda title: lambda r: r.get("title") == title  # noqa: E731
    assert [r["id"] for r in reader.select("User", titled("a"))] == [u["id"] for u in made]
    changed = writer.replace("User", made[2]["id"], user("u2", title="b"))
    parses: list[str] = []
    original = json.loads
    try:
        json.loads = lambda text, **kw: parses.append(text) or original(text, **kw)  # type: ignore[assignment]
        found = reader.select("User", titled("b"))
    finally:
        json.loads = original
    assert found == [changed]
    # Parsed again: the changed body (to test it) and the one match (the caller's copy).
    assert len(parses) == 2 and all('"title":"b"' in text for text in parses)
    found[0]["title"] = "scribbled"  # the caller's copy; the store's view is unchanged
    assert reader.select("User", titled("b")) == [changed]


def test_two_stores_on_one_database_share_uniqueness(open_store: OpenStore) -> None:
    # Two processes' connections behave alike: the database, not a process lock, refuses.
    one, two = open_store(), open_store()
    one.create("User", user("shared"))
    with pytest.raises(errors.Uniqueness):
        two.create("User", user("SHARED"))
    versions = {one.create("User", user("x"))["meta"]["version"]}
    versions.add(two.create("User", user("y"))["meta"]["version"])
    assert len(versions) == 2


# -- through the app ---------------------------------------------------------------------------


def test_an_app_restarted_on_the_store_reads_back_what_was_written(
    durable_config: MockConfig,
) -> None:
    app = create_app(durable_config)
    client = app.test_client()
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
    close_app(app)
    restarted_app = create_app(durable_config)
    restarted = restarted_app.test_client()
    read = restarted.get(f"{BASE}/Users/{created.json['id']}", headers=HEADERS)
    assert read.status_code == 200 and read.json == patched.json
    found = restarted.get(
        f"{BASE}/Users", query_string={"filter": 'emails.value eq "P@X.ORG"'}, headers=HEADERS
    )
    assert [r["id"] for r in found.json["Resources"]] == [created.json["id"]]
    again = restarted.post(f"{BASE}/Users", json=body, headers=HEADERS)
    assert again.status_code == 409 and again.json["scimType"] == "uniqueness"
    close_app(restarted_app)


def test_8_threads_creating_one_user_name_get_one_201_and_seven_409(
    durable_config: MockConfig,
) -> None:
    client_app = create_app(durable_config)
    barrier = threading.Barrier(8)

    def attempt(thread: int) -> int:
        client = client_app.test_client()
        barrier.wait(timeout=10)
        name = "Contested" if thread % 2 else "contested"
        body = {"schemas": [USER_SCHEMA], "userName": name}
        return client.post(f"{BASE}/Users", json=body, headers=HEADERS).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    close_app(client_app)
    assert statuses == [201] + [409] * 7


# -- SIGKILL during a write load ---------------------------------------------------------------


class Served:
    """``scim-mock serve --port 0`` on a store (with ``--workers N`` when ``workers``), in a
    process group of its own so that a SIGKILL reaches the master and every worker."""

    def __init__(self, store_args: list[str], workers: int = 0) -> None:
        command = [sys.executable, "-m", "scim_mock", "serve", "--port", "0", "--token", TOKEN]
        command += [*(["--workers", str(workers)] if workers else []), "--quiet", *store_args]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
            start_new_session=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # printed once it (every worker) may accept
        if "serving" not in line:
            self.kill()
            pytest.fail(f"scim-mock serve did not start: {line!r}")
        self.url = line.split(" at ", 1)[1].split(" ", 1)[0]

    def kill(self) -> None:
        """SIGKILL the server and its workers at once (a crash, not a shutdown)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        self.kill()


def sigkill_loses_no_answered_write(start: Callable[[], Served], answered_at_least: int) -> None:
    """Four clients POST users; once ``answered_at_least`` were answered 201, SIGKILL the
    server in the middle of the load; a server started again on the store has every one."""
    server = start()
    answered: list[str] = []
    stop = threading.Event()

    def load(thread: int) -> None:
        i = 0
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    reply = session.post(
                        f"{server.url}/Users",
                        json={"schemas": [USER_SCHEMA], "userName": f"k{thread}-{i}"},
                        headers=HEADERS, timeout=10,
                    )  # fmt: skip
                    if reply.status_code == 201:
                        answered.append(reply.json()["id"])
                except requests.RequestException:
                    return  # refused, reset, cut short: the server is gone, not answered
                i += 1

    threads = [threading.Thread(target=load, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60  # a guard against a hang, not a timing assertion
    while len(answered) < answered_at_least and time.monotonic() < deadline:
        time.sleep(0.01)  # well inside the write load, not at a quiet moment
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(answered) >= answered_at_least and not any(t.is_alive() for t in threads)
    restarted = start()
    with requests.Session() as session:
        for id in answered:
            reply = session.get(f"{restarted.url}/Users/{id}", headers=HEADERS, timeout=30)
            assert reply.status_code == 200 and reply.json()["id"] == id


def test_sigkill_during_writes_loses_no_answered_write(serve_store_args: list[str]) -> None:
    started: list[Served] = []

    def start() -> Served:
        started.append(Served(serve_store_args))
        return started[-1]

    try:
        sigkill_loses_no_answered_write(start, answered_at_least=150)
    finally:
        for server in started:
            server.stop()


# -- query planning: indexed eq never scans ----------------------------------------------------


class NoScan:
    """A store mixin that fails a query which reads every resource of a type."""

    scanning = False

    def list(self, resource_type: str) -> list[dict[str, Any]]:
        assert not self.scanning, f"scanned {resource_type}"
        return super().list(resource_type)  # type: ignore[misc]

    def select(self, resource_type: str, predicate: Any) -> list[dict[str, Any]]:
        assert not self.scanning, f"scanned {resource_type}"
        return super().select(resource_type, predicate)  # type: ignore[misc]


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
def test_indexed_eq_filters_never_scan(
    open_store: OpenStore, type_name: str, filter_text: str
) -> None:
    from scim_mock.provider import Query, ServiceProvider
    from scim_mock.schema import SchemaRegistry
    from scim_mock.seams import unique_attributes

    registry = SchemaRegistry.load()
    store = open_store(unique_attributes(registry), mixin=NoScan)
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
