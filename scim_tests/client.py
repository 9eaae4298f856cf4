"""``ScimClient``: a thin ``requests`` wrapper with SCIM headers, timeouts and an exchange log.

Every request is recorded as an :class:`~scim_tests.exchange.Exchange` so that a failing
check can show what was sent, what came back and a curl line that reproduces it (token
redacted). Transport problems (timeouts, refused connections, garbage) become a
:class:`ConformanceFailure` for that check only. The client also enforces the suite's safety
rule: it never modifies or deletes a resource that this run did not create (:class:`Ownership`).

Requests go through the target's :class:`~scim_tests.target.Guard` (the check's time budget,
the circuit breaker). A 429, or a 503 that says when to come back, is sent again after the
wait the server asks for, within the guard's caps; every attempt is an exchange of the log.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import requests

# Re-exported: Exchange lived here before failures.py needed it without the client.
from scim_tests.exchange import Exchange as Exchange
from scim_tests.failures import ConformanceFailure
from scim_tests.target import (
    BUDGET_SPENT,
    THROTTLED,
    TIMED_OUT,
    CheckClock,
    Guard,
    Refused,
)

SCIM_JSON = "application/scim+json"
_UNSET: Any = object()
#: Attempts of one request answered 429/503 (the first and the retries).
MAX_ATTEMPTS = 5


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait that a ``Retry-After`` value asks for; None when absent or unreadable.

    The value is delay-seconds or an HTTP-date (RFC 9110 §10.2.3); a date in the past is 0.
    """
    text = (value or "").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class UnsafeOperation(RuntimeError):
    """The suite tried to modify a resource this run did not create (a harness bug)."""


class ScimResponse:
    """A response plus the exchange it came from."""

    def __init__(self, response: requests.Response, exchange: Exchange):
        self.status_code = response.status_code
        self.headers = response.headers
        self.text = exchange.response_body
        self.exchange = exchange
        self._json: Any = _UNSET

    @property
    def content_type(self) -> str:
        """The media type of the body without parameters ("" when absent)."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON; a ConformanceFailure when it is not JSON."""
        if self._json is _UNSET:
            try:
                self._json = json.loads(self.text)
            except ValueError as exc:
                raise ConformanceFailure(
                    "The response body is not JSON",
                    expected="a JSON document (RFC 7644 §3.1, §8.1)",
                    received=f"{self.text[:200]!r} ({exc})",
                    exchange=self.exchange,
                    requirements=("P-3.8-01",),
                    cause=f"a {self.status_code} answer whose body is not JSON",
                ) from None
        return self._json

    def maybe_json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return self.json()
        except ConformanceFailure:
            return None


class Ownership:
    """The resources this run created: the only ones it may modify or delete."""

    def __init__(self) -> None:
        self._owned: dict[str, str] = {}  # id -> endpoint ("/Users")
        self._probes: set[str] = set()
        self._lock = threading.Lock()

    def add(self, endpoint: str, resource_id: str) -> None:
        """Record a resource this run created."""
        with self._lock:
            self._owned[resource_id] = endpoint

    def forget(self, resource_id: str, endpoint: str | None = None) -> None:
        """The resource is gone (deleted by the run). With ``endpoint``, only if it lives
        there: a DELETE of a user's id under /Groups (a 404) leaves the user owned."""
        with self._lock:
            if endpoint is None or self._owned.get(resource_id) in (endpoint, None):
                self._owned.pop(resource_id, None)

    def owns(self, resource_id: str) -> bool:
        """Whether this run created ``resource_id`` (or generated it as a probe)."""
        with self._lock:
            return resource_id in self._owned or resource_id in self._probes

    def probe_id(self) -> str:
        """A fresh id that no server can hold, for 404 checks; safe to send writes to."""
        probe = f"scimct-missing-{uuid.uuid4()}"
        with self._lock:
            self._probes.add(probe)
        return probe

    def owned(self) -> list[tuple[str, str]]:
        """(endpoint, id) of every live owned resource, most recently created first."""
        with self._lock:
            return [(endpoint, rid) for rid, endpoint in reversed(self._owned.items())]


class ScimClient:
    """Talks to one SCIM service provider; records every exchange of the current check."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        timeout: float,
        auth_headers: Mapping[str, str],
        ownership: Ownership,
        endpoints: tuple[str, ...] = ("/Users", "/Groups"),
        guard: Guard | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        #: The target's guard (found on the session's adapter); a private one without it.
        self.guard = guard if guard is not None else _guard_of(session, self.base_url, timeout)
        #: How the client waits before a retry (a test may record the waits instead).
        self.sleep: Callable[[float], None] = time.sleep
        self.auth_headers = dict(auth_headers)
        self.ownership = ownership
        self.endpoints = endpoints
        self.exchanges: list[Exchange] = []
        #: (endpoint, id) of resources created through this client, oldest first.
        self.created: list[tuple[str, str]] = []
        self._secrets = tuple(
            v.split(" ", 1)[-1] for v in self.auth_headers.values() if v.split(" ", 1)[-1]
        )

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (absolute URLs pass through)."""
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # -- safety --------------------------------------------------------------------------

    def _resource_id(self, path: str) -> str | None:
        target = urlsplit(self.url(path)).path
        base = urlsplit(self.base_url).path.rstrip("/")
        relative = target[len(base) :] if target.startswith(base) else target
        for endpoint in self.endpoints:
            if relative.startswith(endpoint + "/"):
                rest = relative[len(endpoint) + 1 :]
                if rest and rest != ".search":
                    return rest.split("/")[0]
        return None

    def _check_safe(self, method: str, path: str) -> None:
        if method in ("PUT", "PATCH", "DELETE"):
            resource_id = self._resource_id(path)
            if resource_id is not None and not self.ownership.owns(resource_id):
                raise UnsafeOperation(
                    f"refusing {method} {path}: resource {resource_id} was not created by this run"
                )

    # -- requests ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _UNSET,
        data: str | bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        content_type: str | None = SCIM_JSON,
    ) -> ScimResponse:
        """Send one request and record it; transport failures raise ConformanceFailure.

        A 429 (RFC 6585 §4), or a 503 with ``Retry-After`` (RFC 9110 §15.6.4), is sent again
        after the wait it asks for (1, 2, 4 s... when a 429 names none), at most
        :data:`MAX_ATTEMPTS` times and within the guard's caps; past them the server "kept
        throttling". Either status means the request was not performed, so a retry is safe.
        """
        __tracebackhide__ = True  # a failure ends at the check's line
        method = method.upper()
        self._check_safe(method, path)
        send_headers: dict[str, str] = {"Accept": SCIM_JSON}
        if auth:
            send_headers.update(self.auth_headers)
        body: str | bytes | None = data
        if json_body is not _UNSET:
            body = json.dumps(json_body, ensure_ascii=False)
        if body is not None and content_type is not None:
            send_headers["Content-Type"] = content_type
        send_headers.update(headers or {})
        send_headers = {k: v for k, v in send_headers.items() if v is not None}
        prepared = self.session.prepare_request(
            requests.Request(
                method,
                self.url(path),
                params=params,
                data=body.encode("utf-8") if isinstance(body, str) else body,
                headers=send_headers,
            )
        )
        shown_body = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        waited = 0.0
        attempt = 1
        result = self._send(method, prepared, shown_body)
        while (wait := _retry_wait(result, attempt)) is not None:
            refusal = self.guard.may_wait(wait, waited)
            if refusal is None and attempt >= MAX_ATTEMPTS:
                refusal = f"the request was sent {attempt} times"
            if refusal is not None:
                raise self._throttled(result, attempt, waited, refusal)
            self.sleep(wait)
            waited += wait
            self.guard.clock.waited += wait
            attempt += 1
            result = self._send(method, prepared.copy(), shown_body)
        self._track(method, path, result)
        return result

    def _send(
        self, method: str, prepared: requests.PreparedRequest, shown_body: str | None
    ) -> ScimResponse:
        """One attempt, recorded as an exchange."""
        __tracebackhide__ = True
        exchange = Exchange(
            method=method,
            url=prepared.url or "",
            request_headers=dict(prepared.headers),
            request_body=shown_body,
            secrets=self._secrets,
        )
        self.exchanges.append(exchange)
        started = time.perf_counter()
        refused: Refused | None = None
        try:
            response = self.session.send(prepared, timeout=self.timeout, allow_redirects=False)
            raw = response.content
        except Refused as exc:
            refused = exc
            exchange.error = f"not sent: {exc}"
        except requests.Timeout:
            exchange.error = f"timed out after {self.timeout:g}s"
        except requests.RequestException as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
        exchange.elapsed_ms = (time.perf_counter() - started) * 1000
        if exchange.error is not None:
            raise _unusable(exchange, refused)
        exchange.status = response.status_code
        exchange.reason = response.reason or ""
        exchange.response_headers = dict(response.headers)
        exchange.response_body = raw.decode("utf-8", "replace")
        return ScimResponse(response, exchange)

    def _throttled(
        self, result: ScimResponse, attempts: int, waited: float, refusal: str
    ) -> ConformanceFailure:
        """The server went on answering 429/503: the check cannot go on (not a violation)."""
        self.guard.clock.refuse(THROTTLED)
        asked = result.headers.get("Retry-After")
        return ConformanceFailure(
            f"The server kept throttling: {result.status_code} after {attempts} attempt(s)",
            expected="an answer within the suite's retry limits (429/503 with Retry-After are "
            "retried: --scim-retry-wait per request, half the check budget per check)",
            received=f"{result.status_code} with Retry-After: {asked if asked else '(none)'}; "
            f"waited {waited:g} s in all; not retried again: {refusal}",
            exchange=result.exchange,
            cause=THROTTLED,
        )

    def _track(self, method: str, path: str, response: ScimResponse) -> None:
        """Remember what this run created (so it is cleaned up) and forget what it deleted."""
        bulk = path.rstrip("/").endswith("/Bulk")
        # Any 2xx, not only 201: a server that answers a create with 200 still created the
        # resource, and the run must still remove it.
        if method == "POST" and 200 <= response.status_code < 300 and not bulk:
            body = response.maybe_json()
            relative = urlsplit(self.url(path)).path
            endpoint = next((e for e in self.endpoints if relative.endswith(e)), None)
            if endpoint and isinstance(body, dict) and isinstance(body.get("id"), str):
                self.ownership.add(endpoint, body["id"])
                self.created.append((endpoint, body["id"]))
        elif method == "POST" and response.status_code == 200 and bulk:
            body = response.maybe_json()
            for op in (body or {}).get("Operations", []) if isinstance(body, dict) else []:
                location = op.get("location") if isinstance(op, dict) else None
                if isinstance(location, str) and str(op.get("status", "")).startswith("201"):
                    parts = urlsplit(location).path.rstrip("/").split("/")
                    self.ownership.add("/" + parts[-2], parts[-1])
                    self.created.append(("/" + parts[-2], parts[-1]))
        elif method == "DELETE" and response.status_code in (204, 200, 404):
            resource_id = self._resource_id(path)
            if resource_id is not None:
                parts = urlsplit(self.url(path)).path.rstrip("/").split("/")
                self.ownership.forget(resource_id, "/" + parts[-2] if len(parts) > 1 else None)

    def cleanup(self) -> None:
        """Delete what this client created and the run still owns (groups first)."""
        leftovers = [(e, r) for e, r in reversed(self.created) if self.ownership.owns(r)]
        for endpoint, resource_id in sorted(leftovers, key=lambda item: item[0] != "/Groups"):
            if not self.ownership.owns(resource_id):
                continue  # listed twice (a create that answered an existing id): deleted already
            try:
                self.delete(f"{endpoint}/{resource_id}")
            except ConformanceFailure:
                pass  # an unresponsive provider; the session-end sweep tries once more
        self.created.clear()

    def get(self, path: str, **kwargs: Any) -> ScimResponse:
        """GET ``path``."""
        __tracebackhide__ = True
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = _UNSET, **kwargs: Any) -> ScimResponse:
        """POST ``body`` as JSON to ``path``."""
        __tracebackhide__ = True
        return self.request("POST", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any = _UNSET, **kwargs: Any) -> ScimResponse:
        """PUT ``body`` as JSON to ``path``."""
        __tracebackhide__ = True
        return self.request("PUT", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any = _UNSET, **kwargs: Any) -> ScimResponse:
        """PATCH ``body`` as JSON to ``path``."""
        __tracebackhide__ = True
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ScimResponse:
        """DELETE ``path``."""
        __tracebackhide__ = True
        return self.request("DELETE", path, **kwargs)

    def transcript(self) -> str:
        """Every exchange of this client, rendered, for the report section."""
        return "\n\n".join(e.render() for e in self.exchanges)


def _retry_wait(result: ScimResponse, attempt: int) -> float | None:
    """Seconds to wait before sending again, or None when the answer is final."""
    if result.status_code not in (429, 503):
        return None
    asked = retry_after(result.headers.get("Retry-After"))
    if asked is None and result.status_code == 429:
        return float(2 ** (attempt - 1))  # no Retry-After: back off 1, 2, 4... seconds
    return asked


def _unusable(exchange: Exchange, refused: Refused | None) -> ConformanceFailure:
    """The failure of a request that got no usable answer (or was not sent at all)."""
    if refused is not None and refused.cause == BUDGET_SPENT:
        return ConformanceFailure(
            "The check ran out of its time budget",
            expected="the check done within its budget (--scim-check-budget)",
            received=exchange.error,
            exchange=exchange,
            hint="a slow server needs a larger --scim-check-budget (0: none); property checks "
            "run fewer examples with --hypothesis-profile scim-quick",
            cause=BUDGET_SPENT,
        )
    if refused is not None:
        return ConformanceFailure("The server stopped answering", expected="an HTTP response",
                                  received=exchange.error, exchange=exchange,
                                  cause=refused.cause)  # fmt: skip
    timed_out = (exchange.error or "").startswith("timed out")
    return ConformanceFailure(
        "The server gave no usable response",
        expected="an HTTP response",
        received=exchange.error,
        exchange=exchange,
        cause=TIMED_OUT if timed_out else None,
    )


def _guard_of(session: requests.Session, url: str, timeout: float) -> Guard:
    """The guard of the target ``session`` sends ``url`` to, or a private one (no budget)."""
    try:
        guard = getattr(session.get_adapter(url), "guard", None)
    except requests.exceptions.InvalidSchema:
        guard = None
    return guard if isinstance(guard, Guard) else Guard(CheckClock(), timeout=timeout)
