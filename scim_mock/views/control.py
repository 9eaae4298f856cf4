"""Mock control endpoints under /_mock: reset, the request log, client diagnostics and the
client-dialect journal.

These are not SCIM: they exist for client authors. The request log shows what a client sent and
what the mock answered; the diagnostics summarise every request the mock refused, with the
requirement and a hint, so a connector author learns what their client did wrong; /_mock/compat
counts the deviations from the RFC that the client dialects accepted (scim_mock.compat).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Flask, Request, Response, has_request_context, request
from werkzeug.exceptions import HTTPException

from scim_mock import errors, http
from scim_mock.compat import Deviation, Journal, Sink
from scim_mock.journal import DEFAULT_SIZE, Exchange, RequestJournal
from scim_mock.memo import remember
from scim_mock.views import (
    control_data,
    control_faults,
    control_journal,
    control_personas,
    control_report,
)

#: How many exchanges the log keeps by default (oldest dropped first; MockConfig.journal_size).
LOG_SIZE = DEFAULT_SIZE
#: Set on the WSGI environ of a request by the fault rule that answered it (its id; see
#: scim_mock.fault_transport); the journal records it.
FAULT_KEY = "scim_mock.fault"
_START_KEY = "scim_mock.journal.start"
#: Where the deviations accepted while serving a request wait (the WSGI environ: per request).
_COMPAT_KEY = "scim_mock.compat"

_HINTS = {
    "invalidSyntax": "Send one JSON object in the body with the right 'schemas' URN "
    "(RFC 7644 §3.3, §3.5.2, §3.4.3).",
    "invalidValue": "Check attribute types and required attributes against GET /Schemas "
    "(RFC 7643 §2.3, §7).",
    "invalidFilter": "Filters follow RFC 7644 §3.4.2.2: attribute, operator, JSON literal; "
    "strings in double quotes.",
    "invalidPath": "PATCH paths follow RFC 7644 §3.5.2: attr[.sub] or attr[filter][.sub].",
    "noTarget": "The PATCH path's value filter matched no value (RFC 7644 §3.5.2).",
    "mutability": "readOnly and immutable attributes cannot be changed (RFC 7643 §2.2).",
    "uniqueness": "userName must be unique (case-insensitively); look the user up first "
    'with filter=userName eq "..." (RFC 7644 §3.3).',
    "401": "Send 'Authorization: Bearer <token>' on every request (RFC 7644 §2).",
    "404": "The id or endpoint does not exist; ids come from the server (RFC 7643 §3.1).",
    "405": "That method is not defined for this endpoint (RFC 7644 §3.2).",
    "412": "If-Match must carry the current ETag (RFC 7644 §3.14).",
    "415": "Use Content-Type: application/scim+json (RFC 7644 §3.1).",
}


class RequestLog(RequestJournal):
    """The app's request journal (:class:`scim_mock.journal.RequestJournal`)."""

    def __init__(self, size: int = LOG_SIZE) -> None:
        super().__init__(size)


#: WSGI environ key -> header name, as werkzeug's EnvironHeaders spells it ("HTTP_X_API_KEY" ->
#: "X-Api-Key"); a client sends the same few headers on every request.
_header_names: dict[str, str] = {}
_HEADER_NAMES_KEPT = 1024
_CONTENT_KEYS = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _header_pairs(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The request's headers as ``request.headers.items()`` lists them (the same names, order
    and values), without its per-header overhead: the journal records every request."""
    pairs = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
        elif key not in _CONTENT_KEYS or not value:
            continue
        name = _header_names.get(key)
        if name is None:
            bare = key[5:] if key.startswith("HTTP_") else key
            name = remember(_header_names, key, bare.replace("_", "-").title(), _HEADER_NAMES_KEPT)
        pairs.append((name, value))
    return pairs


def _request_body(req: Request, length: int | None) -> bytes | None:
    """The request body (``length``: its Content-Length); a body the server refused to read
    (None) is not read here either."""
    if not length and "HTTP_TRANSFER_ENCODING" not in req.environ:
        # Neither a length nor chunks: the request has no body (RFC 9112 §6.3), and most
        # requests (GET, DELETE) are such; werkzeug would build a stream to read nothing.
        return b""
    try:
        return req.get_data(cache=True)
    except HTTPException:  # e.g. 413: the body exceeds MAX_CONTENT_LENGTH
        return None


def compat_sink(journal: Journal) -> Sink:
    """Where the PATCH engine reports accepted deviations: the current request, whose answer
    decides whether they count (see :func:`install_compat`); outside a request, the journal."""

    def sink(deviations: Sequence[Deviation]) -> None:
        if has_request_context():
            request.environ.setdefault(_COMPAT_KEY, []).extend(deviations)
        else:
            journal.record(deviations)

    return sink


def accepted_deviations(response: Response) -> list[Deviation]:
    """The deviations accepted for the current request; none when it was refused after all."""
    return _accepted(request.environ, response)


def _accepted(environ: dict[str, Any], response: Response) -> list[Deviation]:
    if response.status_code >= 400:
        return []
    return list(environ.get(_COMPAT_KEY, ()))


def install_compat(app: Flask, journal: Journal) -> None:
    """Count the deviations of every request that succeeded (thread-safe, in ``journal``)."""

    @app.after_request
    def _count(response: Response) -> Response:
        journal.record(accepted_deviations(response))
        return response


def install_recorder(app: Flask, log: RequestLog) -> None:
    """Record every SCIM exchange (not the /_mock ones) in ``log``."""
    extras = app.extensions["scim_mock"].extras
    # A tenant's app (scim_mock.tenants) knows its name; its paths are the tenant's own.
    tenant = extras.get("tenant")

    def now() -> datetime:
        clock = extras.get("clock")
        moment = clock.now() if clock is not None and hasattr(clock, "now") else None
        return moment if isinstance(moment, datetime) else datetime.now(timezone.utc)

    @app.before_request
    def _start() -> None:
        request.environ[_START_KEY] = (time.perf_counter(), now())

    @app.after_request
    def _record(response: Response) -> Response:
        # Every request pays for this hook: read the request object once, not through the
        # context-local proxy for each value.
        req = request._get_current_object()  # type: ignore[attr-defined]
        path = req.path
        if path.startswith("/_mock"):
            return response
        environ = req.environ
        started, moment = environ.get(_START_KEY) or (time.perf_counter(), now())
        # A streamed body is left alone: reading it here would change what the client gets.
        unread = response.direct_passthrough or response.is_streamed
        length = req.content_length
        log.record(
            Exchange(
                method=req.method,
                path=path,
                query_string=req.query_string.decode("latin-1"),
                request_headers=_header_pairs(environ),
                request_content_type=environ.get("CONTENT_TYPE"),
                request_body=_request_body(req, length),
                request_length=length,
                status=response.status_code,
                response_headers=response.headers.to_wsgi_list(),
                response_body=None if unread else response.get_data(),
                duration_ms=(time.perf_counter() - started) * 1000,
                time=moment,
                tenant=tenant,
                compat=[d.summary() for d in _accepted(environ, response)],
                fault=environ.get(FAULT_KEY),
            )
        )
        return response


def diagnostics(log: RequestLog) -> list[dict[str, Any]]:
    """Every refused request with a hint on what the client should do instead."""
    report = []
    for entry in log:
        if entry["status"] < 400:
            continue
        key = entry.get("scimType") or str(entry["status"])
        report.append(
            {
                "request": f"{entry['method']} {entry['path']}",
                "status": entry["status"],
                "scimType": entry.get("scimType"),
                "detail": entry.get("detail"),
                "hint": _HINTS.get(key, "See the detail and RFC 7644 §3.12."),
            }
        )
    return report


def create_blueprint() -> Blueprint:
    """The /_mock endpoints (the admin token when set, else auth as for SCIM requests)."""
    bp = Blueprint("scim_mock_control", __name__)

    @bp.before_request
    def _authenticate() -> None:
        # The control API has its own token when one is set (MockConfig.admin_token), so a
        # client under test, holding only the SCIM token, cannot reset or seed the mock.
        admin = http.config().admin_token
        if admin is None:
            http.check_auth()
        else:
            http.check_bearer(admin)

    @bp.route("/reset", methods=["POST"])
    def reset() -> Response:
        http.state().provider.reset()
        http.state().extras["log"].clear()
        http.state().extras["compat"].clear()
        # What the other control modules keep (fault rules, snapshots, ...) clears too.
        for hook in http.state().extras.get("reset_hooks", ()):
            hook()
        return http.scim_response(None, status=204)

    # GET/DELETE /requests and /requests.har: scim_mock.views.control_journal.

    @bp.route("/compat", methods=["GET"])
    def compat_journal() -> Response:
        journal: Journal = http.state().extras["compat"]
        return http.scim_response(journal.snapshot())

    @bp.route("/diagnostics", methods=["GET"])
    def client_diagnostics() -> Response:
        return http.scim_response({"problems": diagnostics(http.state().extras["log"])})

    @bp.route("/sign-in", methods=["POST"])
    def sign_in() -> Response:
        # The sign-in oracle: "could this account sign in to the product?", for the
        # deprovisioning checks (scim_tests.access). The password is never echoed back.
        body = http.json_body()
        user_name = body.get("userName") if isinstance(body, dict) else None
        password = body.get("password") if isinstance(body, dict) else None
        if not isinstance(user_name, str) or not isinstance(password, str):
            raise errors.InvalidValue('Send {"userName": "...", "password": "..."} (strings).')
        result = http.state().provider.verify_credentials(user_name, password)
        if result.signed_in:
            return http.scim_response({"signedIn": True, "id": result.user_id})
        # 401 is the oracle's "this account cannot sign in", part of its contract, not an
        # error of the request: the body says why.
        return http.scim_response({"signedIn": False, "reason": result.reason}, status=401)

    for module in (control_data, control_journal, control_faults, control_personas,
                   control_report):  # fmt: skip
        module.register(bp)
    return bp
