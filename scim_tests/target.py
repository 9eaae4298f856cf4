"""The system under test: settings from options/ini/environment, or the bundled mock.

Settings resolve CLI > ini > environment. With ``--scim-mock`` the mock starts on 127.0.0.1
with port 0 (lazy import, so the plugin stays light when unused).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

DEFAULT_TIMEOUT = 10.0
NO_TARGET = "no SCIM target: pass --scim-url URL or --scim-mock"


@dataclass(frozen=True)
class ScimSettings:
    """Everything that decides what a run talks to and how."""

    url: str | None
    token: str | None
    auth_header: tuple[str, str] | None
    timeout: float
    mock: bool
    mock_faults: tuple[str, ...] = ()
    mock_transport: str = "socket"
    mock_options: tuple[tuple[str, str], ...] = ()
    run_id: str = ""

    @property
    def auth_headers(self) -> dict[str, str]:
        """The headers that authenticate a request."""
        if self.auth_header is not None:
            return {self.auth_header[0]: self.auth_header[1]}
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {}


@dataclass
class ScimTarget:
    """A resolved target: its URL, auth headers, and the mock server when we started one.

    ``adapter`` is a ``requests`` transport adapter that every session talking to the target
    mounts for its URL (the in-process mock); None for a real socket.
    """

    settings: ScimSettings
    url: str
    server: Any = None
    notes: list[str] = field(default_factory=list)
    adapter: Any = None

    def mount(self, session: requests.Session) -> requests.Session:
        """Route ``session``'s requests for this target through ``adapter``, if there is one."""
        if self.adapter is not None:
            session.mount(self.url, self.adapter)
        return session

    @property
    def is_mock(self) -> bool:
        """Whether the suite runs against the bundled mock it started."""
        return self.server is not None


#: Where the plugin keeps the session's resolved target (None without one).
TARGET_KEY = pytest.StashKey["ScimTarget | None"]()


def _option(config: pytest.Config, name: str, ini: str | None, env: str | None) -> Any:
    value = config.getoption(name, default=None)
    if value not in (None, "", [], False):
        return value
    if ini is not None:
        ini_value = config.getini(ini)
        if ini_value:
            return ini_value
    if env is not None and os.environ.get(env):
        return os.environ[env]
    return None


def _run_id(config: pytest.Config) -> str:
    explicit = _option(config, "scim_run_id", None, "SCIM_RUN_ID")
    worker = getattr(config, "workerinput", None)
    if explicit:
        # Under xdist every worker restarts its name counter and seeds Faker from the run id,
        # so a shared explicit id needs the worker suffix too, or workers create equal names.
        return f"{explicit}-{worker['workerid']}" if worker is not None else str(explicit)
    if worker is not None:
        # xdist: one uid per test run, one suffix per worker, so names never collide.
        return f"{str(worker['testrunuid'])[:8]}{worker['workerid']}"
    return uuid.uuid4().hex[:8]


def resolve_settings(config: pytest.Config) -> ScimSettings:
    """Read options with CLI > ini > environment precedence."""
    header = _option(config, "scim_auth_header", None, "SCIM_AUTH_HEADER")
    auth_header: tuple[str, str] | None = None
    if header:
        name, sep, value = str(header).partition(":")
        if not sep or not name.strip():
            raise pytest.UsageError(f"--scim-auth-header must be 'Name: value', got {header!r}")
        auth_header = (name.strip(), value.strip())
    timeout = _option(config, "scim_timeout", "scim_timeout", "SCIM_TIMEOUT")
    try:
        timeout_value = float(timeout) if timeout is not None else DEFAULT_TIMEOUT
    except ValueError:
        timeout_value = -1.0
    if not 0 < timeout_value < float("inf"):
        raise pytest.UsageError(f"--scim-timeout must be a positive number, got {timeout!r}")
    options = []
    for item in config.getoption("scim_mock_option", default=None) or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise pytest.UsageError(f"--scim-mock-option must be KEY=VALUE, got {item!r}")
        options.append((key.strip(), value.strip()))
    return ScimSettings(
        url=_option(config, "scim_url", "scim_url", "SCIM_URL"),
        token=_option(config, "scim_token", None, "SCIM_TOKEN"),
        auth_header=auth_header,
        timeout=timeout_value,
        mock=bool(config.getoption("scim_mock", default=False)),
        mock_faults=tuple(config.getoption("scim_mock_fault", default=None) or ()),
        mock_transport=str(config.getoption("scim_mock_transport", default=None) or "socket"),
        mock_options=tuple(options),
        run_id=_run_id(config),
    )


def _coerce(current: Any, raw: str) -> Any:
    if isinstance(current, bool):
        return raw.lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(raw)
    return raw


class InProcessMock:
    """The mock's app driven in-process (``--scim-mock-transport wsgi``): nothing to stop."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def stop(self) -> None:
        """Nothing listens, so nothing needs stopping."""


def start_mock(settings: ScimSettings) -> ScimTarget:
    """Start the bundled mock on 127.0.0.1:0 (or in-process) with a random token."""
    from scim_mock.config import MockConfig
    from scim_mock.extensions import named

    token = secrets.token_urlsafe(16)
    base = MockConfig(token=token)
    changes: dict[str, Any] = {}
    names = {f.name: f for f in dataclasses.fields(MockConfig)}
    for key, raw in settings.mock_options:
        if key not in names or key in ("token", "transport_faults"):
            raise pytest.UsageError(f"--scim-mock-option: unknown MockConfig field {key!r}")
        changes[key] = _coerce(getattr(base, key), raw)
    mock_settings = dataclasses.replace(settings, token=token, auth_header=None)
    try:
        config = base.replace(**changes)
        extensions = named(settings.mock_faults)
        if settings.mock_transport == "wsgi":
            from scim_mock.app import create_app
            from scim_tests.wsgi import IN_PROCESS_ORIGIN, WsgiAdapter

            app = create_app(config, extensions=extensions)
            url = IN_PROCESS_ORIGIN + config.normalized_base_path
            return ScimTarget(
                mock_settings, url, server=InProcessMock(app), adapter=WsgiAdapter(app)
            )
        from scim_mock.server import MockServer

        server = MockServer(config, extensions=extensions).start()
    except ValueError as exc:
        raise pytest.UsageError(f"--scim-mock: {exc}") from None
    return ScimTarget(mock_settings, server.url, server=server)


def resolve_target(settings: ScimSettings) -> ScimTarget | None:
    """The target the settings name, starting the mock if asked; None when there is none."""
    if settings.mock:
        return start_mock(settings)
    if settings.url:
        return ScimTarget(settings, settings.url.rstrip("/"))
    return None
