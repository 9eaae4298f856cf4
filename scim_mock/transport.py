"""Transport faults for client authors: latency, 429 with Retry-After, and 5xx answers.

Configured by :class:`scim_mock.config.FaultSettings` (``scim-mock serve --latency-ms``,
``--rate-limit-every``, ``--error-every``). They apply to the SCIM endpoints only, never to the
``/_mock`` control endpoints, and a request answered with a fault is not performed, so a client
that retries it loses nothing.
"""

from __future__ import annotations

import itertools
import threading
import time

from flask import Flask, request

from scim_mock.config import FaultSettings
from scim_mock.errors import ScimError, ServiceUnavailable, TooManyRequests


def install(app: Flask, settings: FaultSettings, base_path: str) -> None:
    """Register a ``before_request`` hook that injects the configured faults."""
    if not (settings.latency_ms or settings.rate_limit_every or settings.error_every):
        return
    counter = itertools.count(1)
    lock = threading.Lock()

    @app.before_request
    def _transport() -> None:
        if not request.path.startswith(base_path or "/") or request.path.startswith("/_mock"):
            return
        with lock:
            n = next(counter)
        if settings.latency_ms:
            time.sleep(settings.latency_ms / 1000)
        if settings.rate_limit_every and n % settings.rate_limit_every == 0:
            raise TooManyRequests(headers={"Retry-After": str(settings.retry_after)})
        if settings.error_every and n % settings.error_every == 0:
            raise server_error(settings.error_status)


def server_error(status: int) -> ScimError:
    """A SCIM error with the injected 5xx ``status``."""
    # status is a class attribute of every ScimError; a subclass carries the chosen one.
    injected: type[ServiceUnavailable] = type(
        "InjectedServerError", (ServiceUnavailable,), {"status": status}
    )
    return injected("Injected server error (transport fault).")
