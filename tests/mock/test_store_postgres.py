"""PostgresStore: the store contract (the InMemoryStore tests and the durable stores' shared
tests, run again), several stores on one database as several hosts would share it (ETags,
uniqueness, listing, racing writers), tenants in schemas of their own, setup races, dropped
connections, forks, and ``scim-mock serve --database-url`` under SIGKILL.

The server is private to the session (tests/postgres_server.py); a store-level test gets a
schema of its own in a shared database, a test of apps a database of its own. Without
PostgreSQL they skip, except under CI=true.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import string
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import store_contract
from conftest import BASE, TOKEN, USER_SCHEMA
from store_contract import HEADERS, UNIQUE, OpenStore, close_app
from test_store import user

from scim_mock import errors
from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_mock.store import ResourceStore, ValueIndex
from tests.postgres_server import PostgresServer

psycopg = pytest.importorskip("psycopg", reason="the PostgreSQL store needs psycopg")
from scim_mock.store_postgres import PostgresStore, schema_name  # noqa: E402 - needs psycopg

_schemas = itertools.count(1)


@pytest.fixture(scope="module")
def shared_database(postgres_server: PostgresServer) -> str:
    """One database for the store-level tests, each of which gets a schema of its own."""
    return postgres_server.create_database()


@pytest.fixture
def shared_url(postgres_server: PostgresServer, shared_database: str) -> str:
    return postgres_server.url(shared_database)


@pytest.fixture
def tenant() -> str:
    """A new tenant, i.e. a new schema (cheaper than a database per test)."""
    return f"test{next(_schemas)}"


@pytest.fixture
def store(shared_url: str, tenant: str) -> Iterator[PostgresStore]:
    """Overrides test_store's fixture: its contract tests run against a PostgreSQL schema."""
    opened = PostgresStore(shared_url, UNIQUE, tenant=tenant)
    yield opened
    opened.close()


@pytest.fixture
def open_store(shared_url: str, tenant: str) -> Iterator[OpenStore]:
    """Stores on the test's schema (store_contract)."""
    opened: list[PostgresStore] = []

    def open_one(unique: Any = UNIQUE, *, mixin: type | None = None, **kwargs: Any) -> Any:
        cls = PostgresStore if mixin is None else type("Mixed", (mixin, PostgresStore), {})
        opened.append(cls(shared_url, unique, tenant=tenant, **kwargs))
        return opened[-1]

    yield open_one
    for one in opened:
        one.close()


@pytest.fixture
def durable_config(postgres_url: str) -> MockConfig:
    return MockConfig(token=TOKEN, database_url=postgres_url)


@pytest.fixture
def serve_store_args(postgres_server: PostgresServer) -> list[str]:
    # Over TCP, as a mock on another host would connect.
    return ["--database-url", postgres_server.tcp_url(postgres_server.create_database())]


@pytest.fixture
def two_hosts(
    postgres_server: PostgresServer, shared_database: str, tenant: str
) -> Iterator[tuple[PostgresStore, PostgresStore]]:
    """Two stores on one schema, one through the unix socket and one over TCP."""
    one = PostgresStore(postgres_server.url(shared_database), UNIQUE, tenant=tenant)
    two = PostgresStore(postgres_server.tcp_url(shared_database), UNIQUE, tenant=tenant)
    yield one, two
    one.close()
    two.close()


# The InMemoryStore contract and the durable stores' shared tests, against ``store`` and
# ``open_store`` above.
globals().update(store_contract.contract_tests())


def test_postgres_store_satisfies_the_protocols(store: PostgresStore) -> None:
    assert isinstance(store, ResourceStore) and isinstance(store, ValueIndex)


def _version(resource: dict[str, Any]) -> int:
    found = re.fullmatch(r'W/"(\d+)"', resource["meta"]["version"])
    assert found is not None
    return int(found.group(1))


# -- two hosts on one database -----------------------------------------------------------------


def test_a_version_from_one_host_is_honoured_by_the_other(
    two_hosts: tuple[PostgresStore, PostgresStore],
) -> None:
    one, two = two_hosts
    created = one.create("User", user("alice"))
    assert two.get("User", created["id"]) == created
    replaced = two.replace(
        "User", created["id"], user("alice", title="1"), expected_version=created["meta"]["version"]
    )
    with pytest.raises(errors.PreconditionFailed):  # one's copy is stale now (P-3.14-05)
        one.replace("User", created["id"], user("x"), expected_version=created["meta"]["version"])
    assert one.get("User", created["id"]) == replaced
    one.delete("User", created["id"], expected_version=replaced["meta"]["version"])
    with pytest.raises(errors.NotFound):
        two.get("User", created["id"])


def test_a_user_name_taken_on_one_host_is_refused_on_the_other(
    two_hosts: tuple[PostgresStore, PostgresStore],
) -> None:
    one, two = two_hosts
    taken = one.create("User", user("bjensen"))
    with pytest.raises(errors.Uniqueness):
        two.create("User", user("BJensen"))
    other = two.create("User", user("other"))
    with pytest.raises(errors.Uniqueness):
        two.replace("User", other["id"], user("bjensen"))
    one.delete("User", taken["id"])
    two.replace("User", other["id"], user("bjensen"))  # free again (P-3.6-04)


def test_both_hosts_list_one_creation_order(
    two_hosts: tuple[PostgresStore, PostgresStore],
) -> None:
    one, two = two_hosts
    ids = [(one, two)[i % 2].create("User", user(f"u{i}"))["id"] for i in range(6)]
    assert [r["id"] for r in one.list("User")] == ids == [r["id"] for r in two.list("User")]
    assert one.count("User") == two.count("User") == 6


def test_8_threads_x_500_creates_over_two_hosts_lose_nothing(
    two_hosts: tuple[PostgresStore, PostgresStore], postgres_server: PostgresServer
) -> None:
    def work(thread: int) -> list[str]:
        host = two_hosts[thread % 2]
        return [host.create("User", user(f"t{thread}-{i}"))["id"] for i in range(500)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        batches = list(pool.map(work, range(8)))
    ids = {i for batch in batches for i in batch}
    assert len(ids) == 4000
    listed = two_hosts[0].list("User")
    assert [r["id"] for r in listed] == [r["id"] for r in two_hosts[1].list("User")]
    assert {r["id"] for r in listed} == ids
    # Writes are serialised: the creation order is the order of the versions, and each
    # thread's creates appear in the order it made them.
    versions = [_version(r) for r in listed]
    assert versions == sorted(set(versions))
    position = {r["id"]: n for n, r in enumerate(listed)}
    for batch in batches:
        assert [position[i] for i in batch] == sorted(position[i] for i in batch)
    restarted = PostgresStore(two_hosts[0].url, UNIQUE, tenant=two_hosts[0].tenant)
    assert restarted.count("User") == 4000
    restarted.close()


def test_8_threads_creating_one_user_name_over_two_hosts_let_exactly_one_win(
    two_hosts: tuple[PostgresStore, PostgresStore],
) -> None:
    barrier = threading.Barrier(8)

    def attempt(thread: int) -> str:
        barrier.wait(timeout=10)
        try:
            two_hosts[thread % 2].create("User", user("Contested" if thread % 3 else "contested"))
        except errors.Uniqueness:
            return "refused"
        return "created"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(attempt, range(8)))
    assert outcomes == ["created"] + ["refused"] * 7
    assert two_hosts[0].count("User") == two_hosts[1].count("User") == 1


def test_two_apps_on_one_database_share_etags_and_pages(postgres_url: str) -> None:
    apps = [create_app(MockConfig(token=TOKEN, database_url=postgres_url)) for _ in range(2)]
    a, b = (app.test_client() for app in apps)
    made = [
        (a, b)[i % 2].post(
            f"{BASE}/Users", json={"schemas": [USER_SCHEMA], "userName": f"p{i}"}, headers=HEADERS
        )
        for i in range(5)
    ]
    assert [r.status_code for r in made] == [201] * 5
    first = made[0]
    put = b.put(
        f"{BASE}/Users/{first.json['id']}",
        json={"schemas": [USER_SCHEMA], "userName": "p0", "title": "moved"},
        headers={**HEADERS, "If-Match": first.headers["ETag"]},
    )
    assert put.status_code == 200 and put.headers["ETag"] != first.headers["ETag"]
    stale = a.put(
        f"{BASE}/Users/{first.json['id']}",
        json={"schemas": [USER_SCHEMA], "userName": "p0"},
        headers={**HEADERS, "If-Match": first.headers["ETag"]},
    )
    assert stale.status_code == 412
    pages = [
        client.get(f"{BASE}/Users", query_string={"startIndex": 2, "count": 2}, headers=HEADERS)
        for client in (a, b)
    ]
    assert pages[0].json == pages[1].json
    assert pages[0].json["totalResults"] == 5
    assert [r["id"] for r in pages[0].json["Resources"]] == [r.json["id"] for r in made[1:3]]
    for app in apps:
        close_app(app)


# -- tenants, setup, connections ---------------------------------------------------------------


def test_tenants_are_isolated_in_schemas_of_their_own(postgres_url: str) -> None:
    stores = [PostgresStore(postgres_url, UNIQUE, tenant=t) for t in (None, "acme", "my-Org")]
    made = [s.create("User", user("same")) for s in stores]  # one name, three tenants
    for store, resource in zip(stores, made, strict=True):
        assert store.list("User") == [resource]
    stores[1].reset()
    assert [s.count("User") for s in stores] == [1, 0, 1]
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'scim_mock%'")
        names = {row[0] for row in rows}
    assert names == {"scim_mock", "scim_mock_tenant_acme", "scim_mock_tenant_my-Org"}
    for store in stores:
        store.close()


def test_tenant_schema_names_stay_distinct_and_valid() -> None:
    long_a, long_b = "a" * 64, "a" * 63 + "b"
    assert schema_name(long_a) != schema_name(long_b)
    assert max(len(schema_name(long_a)), len(schema_name(long_b))) <= 63
    for bad in ("", "x y", 'x"; DROP SCHEMA scim_mock; --', "a" * 65):
        with pytest.raises(ValueError):
            schema_name(bad)


def test_tenant_apps_keep_their_resources_in_their_schemas(postgres_url: str) -> None:
    app = create_app(MockConfig(token=TOKEN, database_url=postgres_url))
    client = app.test_client()
    body = {"schemas": [USER_SCHEMA], "userName": "shared-name"}
    for prefix in ("", "/tenants/acme", "/tenants/globex"):
        assert client.post(f"{prefix}{BASE}/Users", json=body, headers=HEADERS).status_code == 201
    tenant_store = PostgresStore(postgres_url, UNIQUE, tenant="acme")
    assert [r["userName"] for r in tenant_store.list("User")] == ["shared-name"]
    tenant_store.close()
    for name in ("acme", "globex"):
        close_app(app.extensions["scim_mock"].extras["tenants"].get_or_create(name).app)
    close_app(app)


def test_stores_opened_at_once_on_a_new_database_all_start(postgres_url: str) -> None:
    # As processes starting together would: the setup's advisory lock orders their DDL.
    barrier = threading.Barrier(6)

    def open_one(n: int) -> PostgresStore:
        barrier.wait(timeout=10)
        return PostgresStore(postgres_url, UNIQUE, tenant=None if n % 2 else "racing")

    with ThreadPoolExecutor(max_workers=6) as pool:
        stores = list(pool.map(open_one, range(6)))
    stores[0].create("User", user("seen"))  # in the tenant "racing"
    assert [s.count("User") for s in stores] == [1, 0, 1, 0, 1, 0]
    for store in stores:
        store.close()


def test_long_and_nul_values_are_indexed(store: PostgresStore) -> None:
    # Longer than a B-tree entry may be, even compressed.
    long_name = "".join(random.Random(7).choices(string.ascii_letters, k=6000))
    made = store.create("User", user(long_name, emails=[{"value": "nul\x00@example.org"}]))
    with pytest.raises(errors.Uniqueness):
        store.create("User", user(long_name.upper()))
    assert store.find_unique("User", "userName", long_name) == made
    assert store.find_by_value("User", "emails.value", "NUL\x00@example.org") == [made]
    assert store.get("User", made["id"])["emails"] == [{"value": "nul\x00@example.org"}]


def _backends(url: str) -> set[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return {row[0] for row in rows}


def test_a_dropped_connection_is_replaced(store: PostgresStore, shared_url: str) -> None:
    made = store.create("User", user("before"))
    assert _backends(shared_url)  # the store's idle connection
    with psycopg.connect(shared_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    assert store.get("User", made["id"]) == made
    store.create("User", user("after"))
    assert store.count("User") == 2


def test_a_forked_child_leaves_the_parents_connections_alone(
    store: PostgresStore, shared_url: str
) -> None:
    store.create("User", user("parent"))
    before = _backends(shared_url)
    with warnings.catch_warnings():
        # Python 3.12+ warns of fork() in a process with threads; the child runs no thread.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: a worker of a pre-forking server
        code = 1
        try:
            store.create("User", user("child"))
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert before <= _backends(shared_url)  # the parent's sessions were not ended
    assert sorted(r["userName"] for r in store.list("User")) == ["child", "parent"]


def test_the_app_imports_psycopg_only_for_a_database_url() -> None:
    code = (
        "import sys; from scim_mock.app import create_app; from scim_mock.config import "
        "MockConfig; create_app(MockConfig()); print('psycopg' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"
