"""Deliberate defects and transport faults, applied by wrapping (never by branches in domain code).

Two kinds of injection live here:

* **Named defects** (``MockConfig.faults``): each breaks one requirement of the catalog so that
  our own tests can prove the conformance check for it fails. Response-level defects are
  ``after_request`` transforms; semantic defects wrap a domain function of the provider.
* **Transport faults** (``MockConfig.transport_faults``): latency, 429 with Retry-After and 5xx
  answers, for client authors who need to test retries.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request, Response, request

from scim_mock.config import MockConfig
from scim_mock.errors import ScimError, ServiceUnavailable, TooManyRequests
from scim_mock.provider import ServiceProvider
from scim_mock.schema import SchemaRegistry

ResponseTransform = Callable[[Request, Response], Response]
ProviderWrapper = Callable[[ServiceProvider], None]


@dataclass(frozen=True)
class Fault:
    """A named, documented deliberate violation of one or more catalog requirements."""

    name: str
    requirements: tuple[str, ...]
    description: str
    response: ResponseTransform | None = None
    provider: ProviderWrapper | None = None


FAULTS: dict[str, Fault] = {}


def area_of(fault: Fault) -> str:
    """The defect module that registered ``fault`` (``"core"``, ``"filters"``, ...)."""
    function = fault.response or fault.provider
    assert function is not None, f"fault {fault.name} wraps nothing"
    return function.__module__.rsplit(".", 1)[-1]


def registered_by(area: str) -> set[str]:
    """Names of the faults that ``scim_mock/faults/<area>.py`` registers."""
    return {name for name, fault in FAULTS.items() if area_of(fault) == area}


def register(fault: Fault) -> Fault:
    """Add ``fault`` to the registry (names are unique)."""
    if fault.name in FAULTS:
        raise ValueError(f"duplicate fault name {fault.name!r}")
    FAULTS[fault.name] = fault
    return fault


def response_json(response: Response) -> Any:
    """The response body as JSON, or None."""
    try:
        return json.loads(response.get_data(as_text=True))
    except ValueError:
        return None


def rewrite(response: Response, body: Any) -> Response:
    """Replace the response body with ``body`` as JSON."""
    response.set_data(json.dumps(body))
    return response


# -- wiring -------------------------------------------------------------------------------


def build_provider(registry: SchemaRegistry, config: MockConfig) -> ServiceProvider:
    """The provider for ``config`` with every configured semantic defect applied."""
    unknown = sorted(set(config.faults) - set(FAULTS))
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(FAULTS)}")
    provider = ServiceProvider(registry, config)
    for name in config.faults:
        wrapper = FAULTS[name].provider
        if wrapper is not None:
            wrapper(provider)
    return provider


def install(app: Flask, config: MockConfig) -> None:
    """Register the response transforms and transport faults ``config`` asks for."""
    transforms = [FAULTS[n].response for n in config.faults if FAULTS[n].response is not None]
    if transforms:

        @app.after_request
        def _apply(response: Response) -> Response:
            for transform in transforms:
                assert transform is not None
                response = transform(request, response)
            return response

    settings = config.transport_faults
    if settings.latency_ms or settings.rate_limit_every or settings.error_every:
        counter = itertools.count(1)
        lock = threading.Lock()
        base = config.normalized_base_path

        @app.before_request
        def _transport() -> None:
            if not request.path.startswith(base or "/") or request.path.startswith("/_mock"):
                return
            with lock:
                n = next(counter)
            if settings.latency_ms:
                time.sleep(settings.latency_ms / 1000)
            if settings.rate_limit_every and n % settings.rate_limit_every == 0:
                raise TooManyRequests(headers={"Retry-After": str(settings.retry_after)})
            if settings.error_every and n % settings.error_every == 0:
                raise _server_error(settings.error_status)


def _server_error(status: int) -> ScimError:
    error = ServiceUnavailable("Injected server error (transport fault).")
    error.status = status  # type: ignore[misc]
    return error


# Defect modules register themselves on import; one module per spec area.
from scim_mock.faults import (  # noqa: E402,F401,I001
    core,
    filters,
    lifecycle,
    listing,
    patch,
    protocol,
    resources,
    versioning,
)
