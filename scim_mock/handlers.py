"""One place that turns every failure into a SCIM Error response (RFC 7644 §3.12).

``ScimError`` subclasses render as themselves; werkzeug's HTTP errors (unknown route, wrong
method, oversized body) become the matching SCIM error; anything unexpected becomes a 500 SCIM
error without a traceback in the body (it is logged instead).
"""

from __future__ import annotations

import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from scim_mock.errors import InternalError, ScimError
from scim_mock.http import scim_response

log = logging.getLogger("scim_mock")

_DETAILS = {
    400: "The request could not be understood.",
    404: "No such endpoint or resource.",
    405: "The HTTP method is not supported on this endpoint.",
    406: "Accept application/scim+json or application/json.",
    413: "The request is too large.",
    414: "The request URI is too long.",
    415: "Use Content-Type application/scim+json or application/json.",
    431: "The request headers are too large.",
}


def render(error: ScimError) -> Response:
    """The SCIM Error response for ``error`` (status as a string, scimType when defined)."""
    return scim_response(error.to_json(), status=error.status, headers=error.headers)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(status),
        "detail": _DETAILS.get(status, error.description or "HTTP error."),
    }
    if status == 400:
        body["scimType"] = "invalidSyntax"
    headers: dict[str, str] = {}
    if status == 405:
        allowed = error.get_headers()
        for name, value in allowed:
            if name.lower() == "allow":
                headers["Allow"] = value
    return scim_response(body, status=status, headers=headers)


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error in scim_mock", exc_info=error)
    return render(InternalError(f"Unexpected {type(error).__name__}; see the mock's log."))


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(ScimError, render)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
