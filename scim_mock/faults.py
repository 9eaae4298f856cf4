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

from scim_mock import patch as patch_module
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


def _register(fault: Fault) -> Fault:
    FAULTS[fault.name] = fault
    return fault


def _json(response: Response) -> Any:
    try:
        return json.loads(response.get_data(as_text=True))
    except ValueError:
        return None


def _rewrite(response: Response, body: Any) -> Response:
    response.set_data(json.dumps(body))
    return response


# -- response-level defects ----------------------------------------------------------------


def _status_as_integer(req: Request, response: Response) -> Response:
    body = _json(response)
    if response.status_code >= 400 and isinstance(body, dict) and "status" in body:
        body["status"] = int(body["status"])
        return _rewrite(response, body)
    return response


def _no_location_on_create(req: Request, response: Response) -> Response:
    if req.method == "POST" and response.status_code == 201:
        response.headers.pop("Location", None)
    return response


def _json_content_type(req: Request, response: Response) -> Response:
    if response.content_type and response.content_type.startswith("application/scim+json"):
        response.content_type = "application/json"
    return response


def _create_returns_200(req: Request, response: Response) -> Response:
    if req.method == "POST" and response.status_code == 201:
        response.status_code = 200
    return response


def _password_returned(req: Request, response: Response) -> Response:
    body = _json(response)
    if isinstance(body, dict) and "userName" in body:
        body["password"] = "t0p-Secret"
        return _rewrite(response, body)
    return response


_register(
    Fault(
        "error-status-integer",
        ("P-3.12-03",),
        "Error bodies carry status as a JSON number.",
        response=_status_as_integer,
    )
)
_register(
    Fault(
        "create-no-location",
        ("P-3.3-05",),
        "POST answers 201 without a Location header.",
        response=_no_location_on_create,
    )
)
_register(
    Fault(
        "plain-json-content-type",
        ("P-3.1-03",),
        "Responses say application/json instead of application/scim+json.",
        response=_json_content_type,
    )
)
_register(
    Fault(
        "create-returns-200",
        ("P-3.3-04",),
        "POST answers 200 instead of 201.",
        response=_create_returns_200,
    )
)
_register(
    Fault(
        "password-returned",
        ("C-7-14",),
        "A User representation includes the password.",
        response=_password_returned,
    )
)


# -- semantic defects (wrapping provider functions) ----------------------------------------


def _delete_keeps_memberships(provider: ServiceProvider) -> None:
    store = provider.store

    def keep(member_id: str, **_: Any) -> list[str]:
        return []

    store.remove_member_everywhere = keep  # type: ignore[method-assign]


def _patch_add_replaces(provider: ServiceProvider) -> None:
    def add_as_replace(resource: Any, operations: Any, *args: Any) -> Any:
        if isinstance(operations, list):
            operations = [
                {**op, "op": "replace"}
                if isinstance(op, dict) and str(op.get("op", "")).lower() == "add"
                else op
                for op in operations
            ]
        return patch_module.apply_patch(resource, operations, *args)

    provider._apply_patch = add_as_replace


_register(
    Fault(
        "delete-keeps-memberships",
        ("P-3.6-03",),
        "Deleting a user leaves it in its groups' members.",
        provider=_delete_keeps_memberships,
    )
)
_register(
    Fault(
        "patch-add-replaces",
        ("P-3.5.2.1-02",),
        "PATCH add on a multi-valued attribute replaces the values instead of appending.",
        provider=_patch_add_replaces,
    )
)


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
