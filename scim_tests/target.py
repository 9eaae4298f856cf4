"""The system under test: settings from options/ini/environment, or the bundled mock.

Settings resolve CLI > ini > environment. With ``--scim-mock`` the mock starts on 127.0.0.1
with port 0 (lazy import, so the plugin stays light when unused).

Every session that talks to a target sends through its :class:`~scim_tests.guard.Guard` (a
:class:`~scim_tests.guard.GuardedAdapter`), which keeps a run bounded whatever the server does:
the running check's time budget (:class:`~scim_tests.guard.CheckClock`) and a circuit breaker
that stops the run from waiting on a server that no longer answers (docs/budgets.md).
"""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

# Re-exported: the plugin, the fixtures and the client read the budget names from here.
from scim_tests.guard import (
    BUDGET_SPENT,
    DEFAULT_CHECK_BUDGET,
    DEFAULT_MAX_TIMEOUTS,
    DEFAULT_RETRY_WAIT,
    DEFAULT_TIMEOUT,
    SERVER_DOWN,
    STOPPED,
    THROTTLED,
    TIMED_OUT,
    CheckClock,
    Guard,
    GuardedAdapter,
    Refused,
)

__all__ = [
    "BUDGET_SPENT", "DEFAULT_CHECK_BUDGET", "DEFAULT_MAX_TIMEOUTS", "DEFAULT_RETRY_WAIT",
    "SERVER_DOWN", "STOPPED", "THROTTLED", "TIMED_OUT", "CheckClock", "Guard", "GuardedAdapter",
    "Refused", "ScimSettings", "ScimTarget", "resolve_settings", "resolve_target", "start_mock",
    "CLOCK_KEY", "TARGET_KEY", "NO_TARGET", "DEFAULT_TIMEOUT",
]  # fmt: skip

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
    #: With --scim-mock: the client dialects the mock accepts (MockConfig.compat).
    mock_compat: tuple[str, ...] = ()
    #: With --scim-mock: the personas the mock takes on (MockConfig.personas).
    mock_personas: tuple[str, ...] = ()
    #: Client profiles whose checks run (--scim-profile: okta, entra, interop).
    profiles: tuple[str, ...] = ()
    run_id: str = ""
    #: Endpoints served without credentials on purpose (--scim-public-endpoint), e.g. "/Me".
    public_endpoints: tuple[str, ...] = ()
    check_budget: float = DEFAULT_CHECK_BUDGET
    max_timeouts: int = DEFAULT_MAX_TIMEOUTS
    retry_wait: float = DEFAULT_RETRY_WAIT

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
    sends through (the in-process mock); None for a real socket. ``clock`` is the session's
    check clock, ``guard`` this target's guard.
    """

    settings: ScimSettings
    url: str
    server: Any = None
    notes: list[str] = field(default_factory=list)
    adapter: Any = None
    clock: CheckClock = field(default_factory=CheckClock, repr=False)
    guard: Guard = field(init=False, repr=False)

    def __post_init__(self) -> None:
        given = self.settings
        self.guard = Guard(self.clock, timeout=given.timeout, max_timeouts=given.max_timeouts,
                           retry_wait=given.retry_wait)  # fmt: skip

    def mount(self, session: requests.Session) -> requests.Session:
        """Route ``session``'s requests for this target's origin through its guard."""
        inner = self.adapter if self.adapter is not None else HTTPAdapter()
        parts = urlsplit(self.url)
        session.mount(f"{parts.scheme}://{parts.netloc}/", GuardedAdapter(inner, self.guard))
        return session

    @property
    def is_mock(self) -> bool:
        """Whether the suite runs against the bundled mock it started."""
        return self.server is not None


#: Where the plugin keeps the session's resolved target (None without one).
TARGET_KEY = pytest.StashKey["ScimTarget | None"]()
#: The session's check clock (None when the run has no target).
CLOCK_KEY = pytest.StashKey["CheckClock | None"]()


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
    timeout_value = _number(config, "scim_timeout", DEFAULT_TIMEOUT, zero=False)
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
        mock_compat=_names(config.getoption("scim_mock_compat", default=None)),
        mock_personas=_names(config.getoption("scim_mock_persona", default=None)),
        profiles=_profiles(config),
        run_id=_run_id(config),
        public_endpoints=tuple(
            str(p).strip() for p in config.getoption("scim_public_endpoint", default=None) or ()
        ),
        check_budget=_number(config, "scim_check_budget", DEFAULT_CHECK_BUDGET),
        max_timeouts=int(_number(config, "scim_max_timeouts", DEFAULT_MAX_TIMEOUTS, whole=True)),
        retry_wait=_number(config, "scim_retry_wait", DEFAULT_RETRY_WAIT),
    )


def _names(values: list[str] | None) -> tuple[str, ...]:
    """Repeated and comma-separated option values as one tuple (order kept, no duplicates)."""
    names = (n.strip().lower() for v in values or () for n in str(v).split(","))
    return tuple(dict.fromkeys(n for n in names if n))


def _profiles(config: pytest.Config) -> tuple[str, ...]:
    """--scim-profile (CLI, else ini scim_profile, else env SCIM_PROFILE), validated."""
    from scim_tests.markers import PROFILES

    raw = _option(config, "scim_profile", "scim_profile", "SCIM_PROFILE")
    names = _names(raw if isinstance(raw, list) else [raw] if raw else [])
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        known = ", ".join(PROFILES)
        raise pytest.UsageError(f"--scim-profile: unknown {', '.join(unknown)} (known: {known})")
    return names


def _number(
    config: pytest.Config, name: str, default: float, *, zero: bool = True, whole: bool = False
) -> float:
    """A numeric option (``--scim-x-y``, ini ``scim_x_y``, env ``SCIM_X_Y``); 0 only if ``zero``."""
    raw = _option(config, name, name, name.upper())
    try:
        value = float(raw) if raw is not None else float(default)
    except ValueError:
        value = -1.0
    if not (0 <= value < math.inf) or (value == 0 and not zero) or (whole and value % 1):
        flag = "--" + name.replace("_", "-")
        adjective = "a non-negative" if zero else "a positive"
        raise pytest.UsageError(
            f"{flag} must be {adjective} {'whole number' if whole else 'number'}, got {raw!r}"
        )
    return value


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


def start_mock(settings: ScimSettings, clock: CheckClock | None = None) -> ScimTarget:
    """Start the bundled mock on 127.0.0.1:0 (or in-process) with a random token.

    ``--scim-mock-option`` sets MockConfig fields, and the transport faults by the names of
    ``FaultSettings`` (``latency_ms=300``, ``rate_limit_every=5``, ``retry_after=1``...).
    """
    from scim_mock.config import FaultSettings, MockConfig
    from scim_mock.extensions import named

    token = secrets.token_urlsafe(16)
    base = MockConfig(token=token)
    changes: dict[str, Any] = {}
    faults: dict[str, Any] = {}
    names = {f.name: f for f in dataclasses.fields(MockConfig)}
    fault_names = {f.name for f in dataclasses.fields(FaultSettings)}
    for key, raw in settings.mock_options:
        if key in fault_names:
            faults[key] = _coerce(getattr(base.transport_faults, key), raw)
            continue
        if key not in names or key in ("token", "transport_faults"):
            raise pytest.UsageError(f"--scim-mock-option: unknown MockConfig field {key!r}")
        changes[key] = _coerce(getattr(base, key), raw)
    if settings.mock_compat:
        changes["compat"] = settings.mock_compat
    if settings.mock_personas:
        changes["personas"] = settings.mock_personas
    if faults:
        changes["transport_faults"] = dataclasses.replace(base.transport_faults, **faults)
    mock_settings = dataclasses.replace(settings, token=token, auth_header=None)
    clock = clock if clock is not None else CheckClock()
    try:
        config = base.replace(**changes)
        extensions = named(settings.mock_faults)
        if settings.mock_transport == "wsgi":
            from scim_mock.app import create_app
            from scim_tests.wsgi import IN_PROCESS_ORIGIN, WsgiAdapter

            app = create_app(config, extensions=extensions)
            url = IN_PROCESS_ORIGIN + config.normalized_base_path
            return ScimTarget(mock_settings, url, server=InProcessMock(app),
                              adapter=WsgiAdapter(app), clock=clock)  # fmt: skip
        from scim_mock.server import MockServer

        server = MockServer(config, extensions=extensions).start()
    except ValueError as exc:
        raise pytest.UsageError(f"--scim-mock: {exc}") from None
    return ScimTarget(mock_settings, server.url, server=server, clock=clock)


def resolve_target(settings: ScimSettings, clock: CheckClock | None = None) -> ScimTarget | None:
    """The target the settings name, starting the mock if asked; None when there is none."""
    if settings.mock:
        return start_mock(settings, clock)
    if settings.url:
        return ScimTarget(settings, settings.url.rstrip("/"), clock=clock or CheckClock())
    return None
