"""``scim-mock serve --workers N``: gunicorn workers over one shared store.

The reliability figures of the issue, across two worker processes: concurrent creates lose
nothing, racing creates of one userName give one 201, keep-alive connections are reused, and
a SIGKILL of the whole server (master and workers) during a write load loses no write that
was answered 2xx. The same tests run over SQLite (``--db``) and, where a throwaway server can
be started, PostgreSQL (``--database-url``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import BASE, TOKEN, USER_SCHEMA
from store_contract import HEADERS, Served, sigkill_loses_no_answered_write

ROOT = Path(__file__).resolve().parents[2]


StoreArgs = Callable[[str], list[str]]


@pytest.fixture(params=["sqlite", "postgres"])
def store_args(request: pytest.FixtureRequest, tmp_path: Path) -> StoreArgs:
    """The store options of one shared store (each call names a fresh one)."""
    if request.param == "sqlite":
        return lambda name: ["--db", str(tmp_path / f"{name}.sqlite")]
    server = request.getfixturevalue("postgres_server")  # tests/postgres_server.py
    urls: dict[str, str] = {}

    def database(name: str) -> list[str]:
        if name not in urls:
            urls[name] = server.url(server.create_database())
        return ["--database-url", urls[name]]

    return database


@pytest.fixture
def served(store_args: StoreArgs) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(name: str = "shared", workers: int = 2) -> Served:
        server = Served(store_args(name), workers=workers)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _user(name: str) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": name}


def test_more_than_one_worker_needs_a_shared_store() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scim_mock", "serve", "--workers", "2", "--port", "0"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 2
    assert "--workers 2 needs --db PATH or --database-url URL" in result.stderr


def test_threads_without_workers_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scim_mock", "serve", "--threads", "2", "--port", "0"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 2 and "--threads applies to --workers" in result.stderr


def test_8_threads_x_500_creates_over_two_workers_lose_nothing(
    served: Callable[..., Served],
) -> None:
    server = served()

    def work(thread: int) -> list[str]:
        ids = []
        with requests.Session() as session:  # one keep-alive connection per thread
            for i in range(500):
                reply = session.post(
                    f"{server.url}/Users", json=_user(f"t{thread}-{i}"), headers=HEADERS,
                    timeout=30,
                )  # fmt: skip
                assert reply.status_code == 201, reply.text
                ids.append(reply.json()["id"])
        return ids

    with ThreadPoolExecutor(8) as pool:
        ids = [id for chunk in pool.map(work, range(8)) for id in chunk]
    assert len(set(ids)) == 4000
    listed: set[str] = set()
    index = 1
    while True:
        page = requests.get(
            f"{server.url}/Users", params={"startIndex": index, "count": 200,
                                           "attributes": "id"},
            headers=HEADERS, timeout=30,
        ).json()  # fmt: skip
        assert page["totalResults"] == 4000
        listed.update(r["id"] for r in page["Resources"])
        if not page["Resources"]:
            break
        index += len(page["Resources"])
    assert listed == set(ids)


def test_8_racing_creates_of_one_user_name_over_two_workers_give_one_201(
    served: Callable[..., Served],
) -> None:
    server = served()
    barrier = threading.Barrier(8)

    for round in range(3):  # a few rounds, so that the requests reach both workers
        name = f"race-{round}"

        def attempt(thread: int, name: str = name) -> int:
            with requests.Session() as session:
                session.get(f"{server.url}/ServiceProviderConfig", headers=HEADERS, timeout=30)
                barrier.wait(timeout=30)  # connections open, then all at once
                reply = session.post(
                    f"{server.url}/Users", json=_user(name), headers=HEADERS, timeout=30
                )
                if reply.status_code == 409:
                    assert reply.json()["scimType"] == "uniqueness"
                return reply.status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = sorted(pool.map(attempt, range(8)))
        assert statuses == [201] + [409] * 7
        assert _find(server, name) is not None


def _find(server: Served, user_name: str) -> str | None:
    found = requests.get(
        f"{server.url}/Users", params={"filter": f'userName eq "{user_name}"'},
        headers=HEADERS, timeout=30,
    ).json()["Resources"]  # fmt: skip
    return found[0]["id"] if found else None


def test_keep_alive_connections_are_reused(served: Callable[..., Served]) -> None:
    server = served(workers=1)
    host, port = server.url.split("//", 1)[1].split("/", 1)[0].split(":")
    request = (
        f"GET {BASE}/ServiceProviderConfig HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {TOKEN}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        reader = sock.makefile("rb")
        for _ in range(3):  # three requests, one connection
            sock.sendall(request)
            status = reader.readline()
            assert status.startswith(b"HTTP/1.1 200"), status
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert json.loads(reader.read(length))["schemas"]


def test_sigkill_of_two_workers_during_writes_loses_no_answered_write(
    served: Callable[..., Served],
) -> None:
    sigkill_loses_no_answered_write(served, answered_at_least=200)
