"""The HTTP side of the fault rules (:mod:`scim_mock.fault_rules`): read a request's facts, ask
the rules, and answer the way real servers and the proxies in front of them misbehave.

Only SCIM requests are faulted, never ``/_mock``; the rules run before authentication, like a
load balancer's. A faulted request is not performed, except when the rule only adds latency or
truncates the real response (the server did the work; the answer was cut on the way). A
dropped connection is closed without a byte of response (:class:`DroppedResponse`, served
instead of the answer): over a socket (werkzeug's server) the socket is shut down; in-process
(werkzeug's test client, ``scim_tests.wsgi``) the WSGI call raises
:class:`ConnectionAbortedError`. The rule that answered is left in the WSGI environ
under :data:`FAULT_KEY` for the request journal.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from scim_mock.config import MockConfig
from scim_mock.errors import ScimError
from scim_mock.fault_rules import HTML_DEFAULT_STATUS, Action, FaultRules, RequestFacts
from scim_mock.http import SCIM_MEDIA_TYPE
from scim_mock.schema import SchemaRegistry

#: The environ key naming the fault rule that answered (or delayed) the request.
FAULT_KEY = "scim_mock.fault"
_DROP_KEY = "scim_mock.fault.drop"
_TRUNCATE_KEY = "scim_mock.fault.truncate"
#: What the journal shows as the status of a dropped request (nginx's "444 No Response").
DROPPED_STATUS = 444
#: Indirection for tests, which count the delays instead of sleeping.
sleep: Callable[[float], None] = time.sleep

_HTML = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def install(app: Flask, config: MockConfig, registry: SchemaRegistry) -> FaultRules:
    """Add the hooks to ``app`` and return its rules (the configured ones installed)."""
    rules = FaultRules(config.transport_faults.rules)
    state = app.extensions["scim_mock"]
    state.extras.setdefault("reset_hooks", []).append(rules.reset)
    base = config.normalized_base_path

    @app.before_request
    def _fault_rules() -> Response | None:
        if not rules:
            return None
        facts = request_facts(base, registry)
        if facts is None:
            return None
        decision = rules.decide(facts)
        if decision.latency_ms:
            sleep(decision.latency_ms / 1000)
        if decision.rule is None:
            if decision.delayed_by:
                request.environ[FAULT_KEY] = decision.delayed_by[0]
            return None
        request.environ[FAULT_KEY] = decision.rule.id
        return _answer(decision.rule.id, decision.rule.action)

    @app.after_request
    def _truncate_or_drop(response: Response) -> Response:
        # Registered after the request recorder, so it runs first: the journal shows the cut
        # body, or the 444 of a drop (whatever a later-registered hook made of the response).
        if request.environ.get(_DROP_KEY) and not isinstance(response, DroppedResponse):
            return DroppedResponse()
        if request.environ.get(_TRUNCATE_KEY) and not response.direct_passthrough:
            data = response.get_data()
            if data:
                response.set_data(data[: len(data) // 2])
                response.headers["Content-Length"] = str(len(data))
        return response

    return rules


def request_facts(base: str, registry: SchemaRegistry) -> RequestFacts | None:
    """What the rules match on, or None for a request that is not SCIM (``/_mock``...).

    A tenant's app sees its usual paths (scim_mock.tenants mounts it), so this holds there too.
    """
    path = request.path
    if path.startswith("/_mock"):
        return None
    if base and path != base and not path.startswith(base + "/"):
        return None
    relative = path[len(base) :] or "/"
    endpoint = "/" + relative.split("/", 2)[1]
    resource_type = registry.resource_type_for_endpoint(endpoint)
    return RequestFacts(
        method=request.method,
        path=relative,
        resource_type=resource_type.name if resource_type else None,
        filter=_filter_text(relative),
        headers={name.lower(): value for name, value in request.headers.items()},
    )


def _filter_text(relative: str) -> str | None:
    text = request.args.get("filter")
    if text is not None or request.method != "POST" or not relative.endswith("/.search"):
        return text
    try:  # POST .search carries the filter in its body (RFC 7644 §3.4.3)
        body = json.loads(request.get_data(cache=True))
    except (HTTPException, ValueError):
        return None
    value = body.get("filter") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def _answer(rule_id: str, action: Action) -> Response | None:
    """The faulted response (None: serve the request; a truncate cuts its answer later)."""
    headers = {"Retry-After": action.retry_after} if action.retry_after else {}
    if action.truncate:
        request.environ[_TRUNCATE_KEY] = True
        return None
    if action.drop:
        request.environ[_DROP_KEY] = True
        return DroppedResponse()
    if action.html:
        status = action.status or HTML_DEFAULT_STATUS
        phrase = _phrase(status)
        page = _HTML.format(code=status, phrase=phrase)
        return Response(page, status=status, headers=headers, content_type="text/html")
    if action.body is not None:
        content_type = action.content_type or SCIM_MEDIA_TYPE
        return Response(
            action.body, status=action.status or 200, headers=headers, content_type=content_type
        )
    raise injected_error(rule_id, action, headers)


def injected_error(rule_id: str, action: Action, headers: dict[str, str]) -> ScimError:
    """A SCIM error with the rule's status and scimType, rendered by the one error handler."""
    status = action.status or 500
    # status and scim_type are class attributes of every ScimError; a subclass carries them.
    injected: type[ScimError] = type(
        "InjectedFault",
        (ScimError,),
        {"status": status, "scim_type": action.scim_type},
    )
    detail = action.detail or f"{status} {_phrase(status)} (injected by fault rule {rule_id})."
    return injected(detail, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class DroppedResponse(Response):
    """The placeholder of a dropped request: what the journal records (status 444, no body);
    served, it closes the connection without a response instead."""

    def __init__(self) -> None:
        super().__init__(b"", status=DROPPED_STATUS)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            # Nothing was written yet: the client sees the connection end without a response,
            # as when a proxy or the server dies mid-request.
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        # werkzeug's server treats ConnectionError as a dropped connection (no 500 sent); an
        # in-process caller sees it raised, to turn into its own connection error.
        raise ConnectionAbortedError("connection dropped by a scim-mock fault rule")
