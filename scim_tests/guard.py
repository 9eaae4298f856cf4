"""The guard every request of a run passes through: the check's time budget and a breaker.

:class:`CheckClock` is the running check's time budget; :class:`Guard` (mounted on a session
as a :class:`GuardedAdapter`) refuses a request the budget no longer allows, waits politely on
429/503 ``Retry-After`` up to a bound, and counts consecutive timeouts, after which the server
counts as down and the rest of the run fails fast. docs/budgets.md gives the bounds that follow.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import requests
from requests.adapters import BaseAdapter
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
