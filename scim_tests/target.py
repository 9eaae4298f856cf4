"""The system under test: settings from options/ini/environment, or the bundled mock.

Settings resolve CLI > ini > environment. With ``--scim-mock`` the mock starts on 127.0.0.1
with port 0 (lazy import, so the plugin stays light when unused).

Every session that talks to a target sends through its :class:`Guard` (mounted as a
:class:`GuardedAdapter`), which keeps a run bounded whatever the server does: the running
check's time budget (:class:`CheckClock`) and a circuit breaker that stops the run from waiting
on a server that no longer answers. docs/budgets.md gives the bounds that follow.
"""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.exceptions import ReadTimeoutError

DEFAULT_TIMEOUT = 10.0
#: Seconds one check (its set-up and body) may spend before the suite stops sending for it.
DEFAULT_CHECK_BUDGET = 60.0
#: Consecutive timeouts after which the target counts as down for the rest of the run.
DEFAULT_MAX_TIMEOUTS = 3
#: The longest the suite waits, for one request, on a server answering 429/503 Retry-After.
DEFAULT_RETRY_WAIT = 10.0
#: ``ConformanceFailure.cause`` of the failures that say a check could not go on, not that
#: the server broke a requirement: no requirement is cited for them.
BUDGET_SPENT = "the check's time budget ran out"
SERVER_DOWN = "the server stopped answering"
THROTTLED = "the server kept throttling"
TIMED_OUT = "a request timed out"
STOPPED = (BUDGET_SPENT, SERVER_DOWN, THROTTLED, TIMED_OUT)
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


class CheckClock:
    """The running check's time budget and what the check has spent of it.

    One per pytest session, shared by every target of the session. The plugin starts it when
    a check's set-up begins and reads it when its teardown ends. The budget binds set-up and
    body, never teardown, so cleanup always runs; outside a check (the report header) nothing
    but each request's timeout applies.
    """

    def __init__(self, budget: float = 0.0) -> None:
        #: Seconds each check may spend (0: unbounded).
        self.budget = budget
        self._reset()

    def _reset(self) -> None:
        self.nodeid: str | None = None
        self.phase: str | None = None
        self.started = time.perf_counter()
        #: (seconds, requests) of set-up and body, once teardown starts.
        self.body: tuple[float, int] | None = None
        self.requests = 0
        self.waited = 0.0
        #: Requests the guard refused (budget spent, server down) or gave up (throttled), and
        #: the cause of the last one.
        self.refusals = 0
        self.stopped: str | None = None
        #: A property check found a failure: the budget stops refusing, and Hypothesis' shrink
        #: deadline (set from the budget) ends the search, so the failure is still reported.
        self.overrun = False
        #: The last failure a property check found, and whether shrinking it was cut short.
        self.found: Exception | None = None
        self.cut = False
        #: Property-check examples that completed (passed) within the budget.
        self.examples = 0

    def begin(self, nodeid: str) -> None:
        """A check's set-up starts: its budget starts afresh."""
        self._reset()
        self.nodeid, self.phase = nodeid, "setup"

    def refuse(self, cause: str) -> None:
        """Note a request not sent (or given up) for ``cause``."""
        self.refusals += 1
        self.stopped = cause

    def enter(self, phase: str) -> None:
        """The check moves to ``phase`` (call, teardown)."""
        if phase == "teardown" and self.phase != "teardown":
            self.body = (self.elapsed(), self.requests)
        self.phase = phase

    def end(self) -> dict[str, Any]:
        """The check is over: what it spent (attached to its teardown report).

        ``seconds`` and ``requests`` are those the budget bounds (set-up and body).
        """
        seconds, requests = self.body or (self.elapsed(), self.requests)
        usage = {"seconds": round(seconds, 3), "requests": requests,
                 "teardown_seconds": round(self.elapsed() - seconds, 3),
                 "teardown_requests": self.requests - requests,
                 "waited": round(self.waited, 3), "budget": self.budget,
                 "stopped": self.stopped, "cut": self.cut}  # fmt: skip
        self.nodeid, self.phase = None, None
        return usage

    def elapsed(self) -> float:
        """Seconds since the check's set-up began."""
        return time.perf_counter() - self.started

    @property
    def bounded(self) -> bool:
        """Whether the budget binds now (set-up and body of a check with a budget)."""
        return self.budget > 0 and self.phase in ("setup", "call")

    def remaining(self) -> float:
        """Seconds of budget left (infinite when unbounded)."""
        return self.budget - self.elapsed() if self.bounded else math.inf

    def spent(self) -> bool:
        """Whether the budget is spent and still refuses new requests."""
        return self.bounded and not self.overrun and self.remaining() <= 0

    def describe(self) -> str:
        """``61.2 s and 143 requests`` of this check, against its budget."""
        return (f"{self.elapsed():.1f} s and {self.requests} requests spent of a "
                f"{self.budget:g} s budget (--scim-check-budget)")  # fmt: skip


class Refused(requests.RequestException):
    """The guard did not send a request; ``cause`` is one of :data:`STOPPED`."""

    def __init__(self, message: str, *, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


class Guard:
    """What the suite allows itself against one target: the check's budget, a circuit breaker.

    Every request passes :meth:`admit` first. After ``max_timeouts`` consecutive timeouts the
    breaker opens for the rest of the run and every further request is refused at once, so a
    server that stopped answering costs ``max_timeouts`` timeouts, not one per request of every
    remaining check. Any answer closes the count again.
    """

    def __init__(
        self,
        clock: CheckClock,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_timeouts: int = DEFAULT_MAX_TIMEOUTS,
        retry_wait: float = DEFAULT_RETRY_WAIT,
    ) -> None:
        self.clock = clock
        self.timeout = timeout
        self.max_timeouts = max_timeouts
        self.retry_wait = retry_wait
        #: Requests sent to the target, timeouts in a row, and why it counts as down.
        self.sent = 0
        self.timeouts = 0
        self.down: str | None = None
        self._lock = threading.Lock()

    def admit(self) -> None:
        """Count a request about to be sent, or raise :class:`Refused`."""
        with self._lock:
            if self.down is not None:
                self.clock.refuse(SERVER_DOWN)
                raise Refused(self.down, cause=SERVER_DOWN)
            if self.clock.spent():
                self.clock.refuse(BUDGET_SPENT)
                raise Refused(f"time budget exhausted: {self.clock.describe()}",
                              cause=BUDGET_SPENT)  # fmt: skip
            self.sent += 1
            self.clock.requests += 1

    def answered(self) -> None:
        """The server answered: the breaker's count starts again."""
        with self._lock:
            self.timeouts = 0

    def timed_out(self) -> None:
        """A request timed out; the breaker opens after ``max_timeouts`` in a row."""
        with self._lock:
            self.timeouts += 1
            if self.down is None and 0 < self.max_timeouts <= self.timeouts:
                self.down = (
                    f"{self.timeouts} requests in a row got no answer within "
                    f"{self.timeout:g} s (--scim-timeout); nothing more is sent to this server "
                    f"in this run (--scim-max-timeouts {self.max_timeouts})"
                )

    def may_wait(self, seconds: float, waited: float) -> str | None:
        """None when a retry may wait ``seconds`` (``waited`` already for this request).

        A request waits at most ``retry_wait`` in all; a check at most half its budget, and
        never past the budget.
        """
        clock = self.clock
        if seconds > self.retry_wait:
            return (f"it asked for {seconds:g} s, more than the suite waits for one request "
                    f"(--scim-retry-wait {self.retry_wait:g})")  # fmt: skip
        if waited + seconds > self.retry_wait:
            return f"the request had already waited {waited:g} s of {self.retry_wait:g} s"
        if clock.bounded and clock.waited + seconds > clock.budget / 2:
            return f"the check had already waited {clock.waited:g} s, half its budget"
        if seconds >= clock.remaining() and not clock.overrun:
            return f"the check's budget has {max(clock.remaining(), 0):.1f} s left"
        return None


class GuardedAdapter(BaseAdapter):
    """Sends through ``inner`` (a real HTTP adapter, or the in-process mock) under ``guard``."""

    def __init__(self, inner: BaseAdapter, guard: Guard) -> None:
        super().__init__()
        self.inner = inner
        self.guard = guard

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        """Admit, send, read the body; count timeouts (reading it too) for the breaker."""
        self.guard.admit()
        try:
            response = self.inner.send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
            if not stream:
                # Read here, so a body that stops arriving counts as a timeout too (requests
                # reports that one as a ConnectionError).
                response.content  # noqa: B018
        except requests.Timeout:
            self.guard.timed_out()
            raise
        except requests.ConnectionError as exc:
            if not any(isinstance(arg, ReadTimeoutError) for arg in exc.args):
                raise
            self.guard.timed_out()
            raise requests.ReadTimeout(*exc.args, request=request) from exc
        self.guard.answered()
        return response

    def close(self) -> None:
        """Close the inner adapter."""
        self.inner.close()


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
        run_id=_run_id(config),
        check_budget=_number(config, "scim_check_budget", DEFAULT_CHECK_BUDGET),
        max_timeouts=int(_number(config, "scim_max_timeouts", DEFAULT_MAX_TIMEOUTS, whole=True)),
        retry_wait=_number(config, "scim_retry_wait", DEFAULT_RETRY_WAIT),
    )


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
