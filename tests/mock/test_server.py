"""Running the mock for real: MockServer in a thread and the ``scim-mock serve`` command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from scim_mock.config import MockConfig
from scim_mock.server import MockServer

TOKEN = "T"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_mock_server_serves_on_a_free_port() -> None:
    """MockServer(port=0) picks a port, serves SCIM over real HTTP and stops cleanly."""
    server = MockServer(MockConfig(token=TOKEN)).start()
    try:
        assert server.port != 0
        assert server.url == f"http://127.0.0.1:{server.port}/scim/v2"
        with requests.Session() as session:
            created = session.post(
                f"{server.url}/Users",
                json={"schemas": [USER_SCHEMA], "userName": "zoë"},
                headers={**AUTH, "Content-Type": "application/scim+json"},
                timeout=10,
            )
            assert created.status_code == 201
            assert created.headers["Content-Type"] == "application/scim+json"
            assert created.headers["Location"].startswith(server.url + "/Users/")
            fetched = session.get(created.headers["Location"], headers=AUTH, timeout=10)
            assert fetched.json()["userName"] == "zoë"
            assert session.get(f"{server.url}/Users", timeout=10).status_code == 401
        assert server.start() is server  # starting twice is harmless
    finally:
        server.stop()
    server.stop()  # stopping twice is harmless
    with pytest.raises(RuntimeError):
        server.url  # noqa: B018
    with pytest.raises(requests.ConnectionError), requests.Session() as session:
        session.get(f"http://127.0.0.1:{server.port}/scim/v2/Users", timeout=2)


def test_mock_server_is_a_context_manager_and_can_reset() -> None:
    """``with MockServer() as server`` starts and stops it; reset() empties the store."""
    with MockServer() as server, requests.Session() as session:
        response = session.post(
            f"{server.url}/Users",
            json={"schemas": [USER_SCHEMA], "userName": "a"},
            headers={"Content-Type": "application/scim+json"},
            timeout=10,
        )
        assert response.status_code == 201
        server.reset()
        assert session.get(f"{server.url}/Users", timeout=10).json()["totalResults"] == 0
    with pytest.raises(RuntimeError):
        server.url  # noqa: B018


def test_mock_server_handles_concurrent_requests() -> None:
    """The threaded server keeps userName unique under concurrent creates (P-3.3-07)."""
    from concurrent.futures import ThreadPoolExecutor

    with MockServer() as server:

        def create(index: int) -> int:
            with requests.Session() as session:
                return session.post(
                    f"{server.url}/Users",
                    json={"schemas": [USER_SCHEMA], "userName": f"user{index % 5}"},
                    headers={"Content-Type": "application/scim+json"},
                    timeout=10,
                ).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(create, range(20)))
    assert statuses.count(201) == 5
    assert statuses.count(409) == 15


# -- command line --------------------------------------------------------------------------


@contextmanager
def serve(*args: str) -> Iterator[tuple[str, str]]:
    """Run ``python -m scim_mock serve --port 0 ARGS``; yield (first stdout line, base URL)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scim_mock", "serve", "--port", "0", "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line, process.stderr.read() if process.stderr else ""
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        yield line, url
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_cli_serve_prints_the_base_url_and_serves() -> None:
    """``scim-mock serve --port 0 --token T`` prints the URL and requires the token."""
    with serve("--token", TOKEN) as (line, url), requests.Session() as session:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/scim/v2")
        assert "bearer token required" in line
        assert session.get(f"{url}/Users", timeout=10).status_code == 401
        response = session.get(f"{url}/Users", headers=AUTH, timeout=10)
        assert response.status_code == 200
        assert response.json()["totalResults"] == 0


def test_cli_serve_without_token_says_auth_is_off() -> None:
    """Without --token the line says auth is OFF and requests need no credentials."""
    with serve("--base-path", "/api", "--no-bulk") as (line, url), requests.Session() as s:
        assert "auth is OFF" in line
        assert url.endswith("/api")
        assert s.get(f"{url}/Users", timeout=10).status_code == 200
        spc = s.get(f"{url}/ServiceProviderConfig", timeout=10).json()
        assert spc["bulk"]["supported"] is False


def test_cli_serve_fault_finds_the_defect_through_the_entry_point() -> None:
    """``--fault NAME`` plugs in a named defect (published by scim_defects as an entry point)."""
    with serve("--fault", "error-status-integer") as (_, url), requests.Session() as session:
        response = session.get(f"{url}/Users/nope", timeout=10)
        assert response.status_code == 404
        assert response.json()["status"] == 404


def test_cli_flags_map_onto_the_config() -> None:
    """Every serve flag sets the matching MockConfig field."""
    from scim_mock.__main__ import _parser, config_from_args

    args = _parser().parse_args(
        [
            "serve",
            "--token",
            "x",
            "--base-path",
            "/b",
            "--open-discovery",
            "--no-patch",
            "--no-bulk",
            "--no-etag",
            "--no-sort",
            "--patch-204",
            "--max-results",
            "7",
            "--fault",
            "create-returns-200",
            "--fault",
            "create-no-location",
            "--latency-ms",
            "5",
            "--rate-limit-every",
            "3",
            "--error-every",
            "4",
        ]
    )
    config = config_from_args(args)
    assert (config.token, config.base_path, config.discovery_requires_auth) == ("x", "/b", False)
    assert not (config.patch_supported or config.bulk_supported)
    assert not (config.etag_supported or config.sort_supported)
    assert config.patch_response == "no-content"
    assert config.filter_max_results == 7
    assert args.fault == ["create-returns-200", "create-no-location"]
    settings = config.transport_faults
    assert (settings.latency_ms, settings.rate_limit_every, settings.error_every) == (5, 3, 4)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scim_mock", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_cli_help() -> None:
    """``scim-mock --help`` and ``serve --help`` describe the command (exit 0)."""
    executable = shutil.which("scim-mock")
    command = [executable] if executable else [sys.executable, "-m", "scim_mock"]
    result = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "usage: scim-mock" in result.stdout and "serve" in result.stdout
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    assert "--token" in result.stdout and "--fault" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "required"),
        (["bogus"], "invalid choice"),
        (["serve", "--port", "abc"], "invalid int"),
        (["serve", "--nope"], "unrecognized"),
        (["serve", "--port", "0", "--fault", "no-such-fault"], "unknown fault"),
        (["serve", "--port", "0", "--base-path", "no-slash"], "base_path"),
        (["serve", "--port", "0", "--max-results", "0"], "page sizes"),
    ],
)
def test_cli_bad_arguments_exit_2(args: list[str], message: str) -> None:
    """Bad arguments exit with status 2 and say why on stderr."""
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_cli_port_in_use_exits_1() -> None:
    """A port that cannot be bound exits 1 with a message."""
    with MockServer() as server:
        result = run_cli("serve", "--port", str(server.port))
    assert result.returncode == 1
    assert "cannot listen" in result.stderr
