"""pytest fixtures for client developers: the bundled mock as a workbench for a SCIM client.

Inert unless a test asks for them (nothing heavy is imported before): a connector author tests
their ``requests``-based client against the strict mock, makes it misbehave with fault rules,
and asserts on what the client sent (the journal) and on the client report card.

- :func:`scim_mock_server`: a live mock on ``127.0.0.1:0`` (one per session and configuration,
  started on first use, stopped at the end), a fresh state for every test: a tenant of its own
  (``/tenants/<test>/scim/v2``) where the mock has tenants, else ``POST /_mock/reset``;
- :func:`scim_mock_responses`: ``requests`` calls for a base URL answered by an in-process app
  through the ``responses`` library: no socket, for fast unit tests.

``@pytest.mark.scim_mock_config(personas=[...], compat=[...], **MockConfig fields)`` gives a test
a differently configured mock. Both fixtures yield a :class:`MockHandle`, whose helpers call the
``/_mock`` control API over HTTP (whatever endpoints the mock serves; a missing one raises
:class:`MockControlError` naming it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from scim_tests.mock_handles import (
    InProcessMock,
    LiveMock,
    MockControlError,
    MockHandle,
    assert_report_card,
)

if TYPE_CHECKING:
    import requests
    from werkzeug.test import Client

    from scim_mock.config import MockConfig
    from scim_mock.server import MockServer

__all__ = [
    "InProcessMock", "LiveMock", "MockControlError", "MockHandle", "assert_report_card",
    "scim_mock_server", "scim_mock_responses", "scim_mock_server_pool", "scim_mock_isolation",
    "scim_mock_base_url",
]  # fmt: skip

MARKER = "scim_mock_config"
MARKER_HELP = (
    f"{MARKER}(personas=[...], compat=[...], **fields): run this test's scim_mock_server or "
    "scim_mock_responses with a mock configured so (fields of scim_mock.config.MockConfig)."
)
DEFAULT_BASE_URL = "https://scim.example.test/scim/v2"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
#: Headers a socket carries but a WSGI environ builds itself.


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (``--strict-markers`` runs know it)."""
    config.addinivalue_line("markers", MARKER_HELP)


# -- configuration -------------------------------------------------------------------------


def marker_fields(node: pytest.Item) -> dict[str, Any]:
    """The ``scim_mock_config`` marker's fields for this test ({} without one); the closest
    marker wins, so a test's marker overrides its module's."""
    mark = node.get_closest_marker(MARKER)
    if mark is None:
        return {}
    if mark.args:
        raise pytest.UsageError(f"{node.nodeid}: {MARKER} takes keyword arguments only")
    return dict(mark.kwargs)


def build_config(fields: Mapping[str, Any], token: str | None = None) -> MockConfig:
    """A MockConfig with a random token (unless ``token``) and ``fields``; personas and
    compat as tuples, ``transport_faults`` also as a dict."""
    from scim_mock.config import FaultSettings, MockConfig

    known = {f.name for f in dataclasses.fields(MockConfig)}
    changes = dict(fields)
    unknown = sorted(set(changes) - known)
    if unknown:
        hint = " (this scim_mock has no personas)" if "personas" in unknown else ""
        raise pytest.UsageError(f"{MARKER}: unknown MockConfig field(s) {unknown}{hint}")
    for name in ("personas", "compat"):
        if isinstance(changes.get(name), str):
            changes[name] = (changes[name],)
        elif name in changes:
            changes[name] = tuple(changes[name])
    if isinstance(changes.get("transport_faults"), Mapping):
        changes["transport_faults"] = FaultSettings(**changes["transport_faults"])
    changes.setdefault("token", token or secrets.token_urlsafe(16))
    try:
        return MockConfig(**changes)
    except (TypeError, ValueError) as exc:
        raise pytest.UsageError(f"{MARKER}: {exc}") from exc


def config_key(fields: Mapping[str, Any]) -> str:
    """One key per distinct configuration (lists and tuples alike)."""
    return json.dumps(fields, sort_keys=True, default=_plain)


class ServerPool:
    """The live mocks of a session, one per distinct configuration, started on first use."""

    def __init__(self) -> None:
        self._servers: dict[str, MockServer] = {}

    def get(self, fields: Mapping[str, Any]) -> MockServer:
        """The running server for ``fields`` (started now if it is the first)."""
        key = config_key(fields)
        server = self._servers.get(key)
        if server is None:
            from scim_mock.server import MockServer

            server = MockServer(build_config(fields)).start()
            self._servers[key] = server
        return server

    def __len__(self) -> int:
        return len(self._servers)

    def close(self) -> None:
        """Stop every server."""
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


def tenants_available() -> bool:
    """Whether this scim_mock serves tenants (``/tenants/<name>/scim/v2``)."""
    return importlib.util.find_spec("scim_mock.tenants") is not None


def tenant_name(nodeid: str) -> str:
    """A tenant name for a test, ``[A-Za-z0-9_-]{1,64}``, unique per node id."""
    digest = hashlib.sha256(nodeid.encode()).hexdigest()[:10]
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", nodeid.rpartition("::")[2]).strip("-")
    return f"{readable[:48]}-{digest}" if readable else f"t-{digest}"


# -- the fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def scim_mock_server_pool() -> Iterator[ServerPool]:
    """The session's live mocks (one per ``scim_mock_config``), stopped at the end."""
    pool = ServerPool()
    yield pool
    pool.close()


@pytest.fixture
def scim_mock_isolation() -> str:
    """How ``scim_mock_server`` gives each test a fresh state: ``"tenant"`` (a tenant per
    test) where the mock has tenants, else ``"reset"``. Override it to choose."""
    return "tenant" if tenants_available() else "reset"


@pytest.fixture
def scim_mock_server(
    request: pytest.FixtureRequest, scim_mock_server_pool: ServerPool, scim_mock_isolation: str
) -> Iterator[LiveMock]:
    """A live mock on 127.0.0.1 with a fresh state for this test (see the module)."""
    server = scim_mock_server_pool.get(marker_fields(request.node))
    if scim_mock_isolation not in ("tenant", "reset"):
        raise pytest.UsageError(f"scim_mock_isolation must be tenant or reset, not "
                                f"{scim_mock_isolation!r}")  # fmt: skip
    tenant = tenant_name(request.node.nodeid) if scim_mock_isolation == "tenant" else None
    handle = LiveMock(server, tenant=tenant)
    root = MockHandle(handle.url, handle.token, handle._root_send, control_path="/_mock")
    try:
        if tenant is None:
            handle.reset()
        else:
            _drop_tenant(root, tenant)  # a rerun of the same test starts afresh too
        yield handle
    finally:
        if tenant is not None:
            _drop_tenant(root, tenant)  # tenants are bounded: give this one back
        handle.close()


@pytest.fixture
def scim_mock_base_url() -> str:
    """The base URL ``scim_mock_responses`` answers (override it to test another URL)."""
    return DEFAULT_BASE_URL


@pytest.fixture
def scim_mock_responses(
    request: pytest.FixtureRequest, scim_mock_base_url: str
) -> Iterator[InProcessMock]:
    """``requests`` calls to ``scim_mock_base_url``'s origin answered by a fresh in-process
    mock through ``responses`` (no socket); other URLs raise ``requests.ConnectionError``."""
    import responses

    from scim_mock.app import create_app

    parts = urlsplit(scim_mock_base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise pytest.UsageError(f"scim_mock_base_url {scim_mock_base_url!r} is not an http URL")
    fields = {"base_path": parts.path.rstrip("/"), **marker_fields(request.node)}
    config = build_config(fields)
    app = create_app(config)
    origin = f"{parts.scheme}://{parts.netloc}"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        handle = InProcessMock(app, origin + config.normalized_base_path, config.token or "", mock)
        pattern = re.compile(re.escape(origin) + r"(?:[/?#].*)?\Z")
        for method in _METHODS:
            mock.add_callback(method, pattern, callback=_wsgi_callback(handle.client),
                              content_type=None)  # fmt: skip
        yield handle


def _wsgi_callback(
    client: Client,
) -> Callable[[requests.PreparedRequest], tuple[int, dict[str, str], bytes]]:
    """The ``responses`` callback: the prepared request through the app, its answer back."""

    def callback(prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        from scim_tests.wsgi import open_in_app

        answer = open_in_app(client, prepared)
        try:
            return answer.status_code, dict(answer.headers.items()), answer.get_data()
        finally:
            answer.close()

    return callback


def _drop_tenant(root: MockHandle, tenant: str) -> None:
    try:
        root.control("DELETE", f"tenants/{tenant}")
    except MockControlError:
        pass  # it did not exist yet


def _plain(value: Any) -> Any:
    """JSON for config_key: dataclasses (FaultSettings) as dicts, anything else as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return repr(value)
