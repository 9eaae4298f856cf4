"""Tenants: isolated mocks on one server, at ``/tenants/<name>/...``.

``/tenants/acme/scim/v2/Users`` is served by the tenant ``acme``'s own app, built by the same
factory as the root app (same configuration, same extensions) the first time the name is used;
``/tenants/acme/_mock/...`` is that tenant's control API. Tenants never see each other's data,
journal, clock or fault rules, so tests running in parallel against one server stay apart.

:class:`Tenants` dispatches in the root app's ``wsgi_app`` (:class:`RootApp`): it moves
``/tenants/<name>`` from PATH_INFO to SCRIPT_NAME (the standard WSGI mount), so the tenant's
app sees its usual paths and builds its locations under the tenant's prefix. Everything else
goes to the root app. The number of tenants is bounded; ``DELETE /_mock/tenants/<name>`` (on
the root) drops one.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask

from scim_mock import http
from scim_mock.errors import BadRequest, NotFound, ScimError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PREFIX = "/tenants/"
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SCIM_MEDIA_TYPE = "application/scim+json"


class TooManyTenants(BadRequest):
    """The server holds as many tenants as it may (400; drop one first)."""

    default_detail = "Too many tenants."


class RootApp(Flask):
    """The mock's Flask app: requests under /tenants/<name> go to that tenant's app.

    ``tenants`` is set by :func:`scim_mock.app.create_app` on the root app only; dispatching
    in ``wsgi_app`` (the outermost WSGI callable) hands the tenant's app the request untouched.
    """

    tenants: Tenants | None = None

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's answer for ``func``, worked out once per function.

        Flask asks ``inspect`` whether each hook and view is a coroutine function on every
        request (about ten per request here); the mock's never change, so remember the answer.
        """
        synced: dict[Any, Callable[..., Any]] = self.__dict__.setdefault("_synced", {})
        try:
            return synced[func]
        except KeyError:
            answer = synced[func] = super().ensure_sync(func)
            return answer
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Dispatch to a tenant, else serve the request here."""
        if self.tenants is not None:
            answer = self.tenants.dispatch(environ, start_response)
            if answer is not None:
                return answer
        token = http.SERVING.set(self.extensions.get("scim_mock"))
        try:
            return super().wsgi_app(environ, start_response)
        finally:
            http.SERVING.reset(token)


@dataclass(frozen=True)
class Tenant:
    """One tenant: its name, its app and when it was created."""

    name: str
    app: WSGIApplication
    created: datetime


class Tenants:
    """The root app's tenants and the WSGI dispatch to them.

    ``factory(name)`` builds a tenant's app; ``limit`` is the most tenants kept at once;
    ``now`` dates their creation.
    """

    def __init__(
        self,
        factory: Callable[[str], WSGIApplication],
        limit: int,
        now: Callable[[], datetime],
    ) -> None:
        self._factory = factory
        self.limit = limit
        self._now = now
        self._lock = threading.Lock()
        self._tenants: dict[str, Tenant] = {}

    def dispatch(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes] | None:
        """Serve a request under /tenants/<name> with the tenant's app; None for any other."""
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return None
        name, slash, rest = path[len(PREFIX) :].partition("/")
        try:
            if not NAME.fullmatch(name):
                raise NotFound(
                    f"No tenant {name!r}: tenant names are 1 to 64 letters, digits, '_' or '-'."
                )
            tenant = self.get_or_create(name)
        except ScimError as error:
            return _error(error, start_response)
        mounted = dict(environ)
        mounted["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX + name
        mounted["PATH_INFO"] = slash + rest
        return tenant.app(mounted, start_response)

    def get_or_create(self, name: str) -> Tenant:
        """The tenant called ``name``, created on first use (TooManyTenants above the limit)."""
        with self._lock:
            found = self._tenants.get(name)
            if found is not None:
                return found
            if len(self._tenants) >= self.limit:
                raise TooManyTenants(
                    f"This server holds its limit of {self.limit} tenants; drop one with "
                    "DELETE /_mock/tenants/<name>."
                )
            tenant = Tenant(name, self._factory(name), self._now())
            self._tenants[name] = tenant
            return tenant

    def drop(self, name: str) -> bool:
        """Forget the tenant ``name`` and its data; False when there was none."""
        with self._lock:
            return self._tenants.pop(name, None) is not None

    def clear(self) -> None:
        """Forget every tenant."""
        with self._lock:
            self._tenants.clear()

    def entries(self) -> list[Tenant]:
        """Every tenant, oldest first."""
        with self._lock:
            return list(self._tenants.values())

    def app(self, name: str) -> Any:
        """The app of the tenant ``name`` (None when there is none), for tests and fixtures."""
        with self._lock:
            tenant = self._tenants.get(name)
        return None if tenant is None else tenant.app


def _error(error: ScimError, start_response: StartResponse) -> Iterable[bytes]:
    """A SCIM Error answer outside any app (the tenant app does not exist)."""
    body = json.dumps(error.to_json()).encode("utf-8")
    reason = {400: "BAD REQUEST", 404: "NOT FOUND"}.get(error.status, "ERROR")
    headers = [("Content-Type", _SCIM_MEDIA_TYPE), ("Content-Length", str(len(body)))]
    headers.extend(error.headers.items())
    start_response(f"{error.status} {reason}", headers)
    return [body]
