"""Defects of the protocol surface: media type, status codes, errors and authentication.

RFC 7644 §2, §3.8, §3.11, §3.12 and §8.1. Most defects are response transforms that only edit the
answer; the few that change what is stored wrap the provider's operations
(:class:`scim_mock.operations.ProviderDecorator`). The discovery defects (RFC 7644 §4, RFC 7643
§5-§7) are the sub-area :mod:`scim_defects.discovery`. The defect matrix (``tests/defects``)
proves the matching checks in
``scim_tests/checks/test_{discovery,media_type,errors,auth}.py`` fail.

The authentication defects sit in front of every operation: the strict mock refuses the request
before the provider is reached, so neither a seam nor a decorator sees it. Their ``before``
request hook (:class:`scim_defects.registry.Defect`) adjusts the request before the views read it
(some versioning and bulk defects use one too).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from flask import Request, Response, has_request_context, request

from scim_defects.common import error_response, relative_path
from scim_defects.registry import Defect, RequestHook, register, response_json, rewrite
from scim_mock import http
from scim_mock.errors import (
    BadRequest,
    Forbidden,
    InternalError,
    NotAcceptable,
    NotFound,
    ScimError,
    Unauthorized,
    UnsupportedMediaType,
)
from scim_mock.handlers import render
from scim_mock.operations import ProviderDecorator
from scim_mock.schema import ResourceType

Resource = dict[str, Any]


# -- media type --------------------------------------------------------------------------------

Refusal = Callable[[Request], ScimError | None]


def _plain_json_refusal(req: Request) -> ScimError | None:
    """How a server that speaks application/scim+json only refuses ``req``, if it does."""
    accept = req.headers.get("Accept", "")
    if "application/json" in accept and "scim+json" not in accept:
        return NotAcceptable("Only application/scim+json is produced.")
    if (req.mimetype or "") == "application/json":
        return UnsupportedMediaType("Only application/scim+json is accepted.")
    return None


def _scim_json_refusal(req: Request) -> ScimError | None:
    """How a server that produces application/json only refuses ``req``, if it does."""
    accept = req.headers.get("Accept", "")
    if "scim+json" in accept and "application/json" not in accept and "*/*" not in accept:
        return NotAcceptable("Only application/json is produced.")
    return None


def _refused(refusal: Refusal) -> Callable[[Request, Response], Response]:
    """A transform answering every request that ``refusal`` refuses with that error."""

    def transform(req: Request, response: Response) -> Response:
        error = refusal(req)
        return response if error is None else error_response(response, error)

    return transform


class _MediaTypeGate(ProviderDecorator):
    """Base of the media-type defects' decorators: a POST the defect refuses creates nothing.

    The refusal itself is the response transform's; without this gate the strict mock would
    have stored the resource before the answer was turned into a 406 / 415.
    """

    def refusal(self, req: Request) -> ScimError | None:
        """The error this defect refuses ``req`` with, or None (overridden)."""
        return None

    def create(self, rt: ResourceType, body: Any) -> Resource:
        # Only a POST to the resource endpoint itself; a refused /Bulk request still runs.
        if has_request_context() and relative_path(request).rstrip("/") == rt.endpoint:
            error = self.refusal(request)
            if error is not None:
                raise error
        return self.inner.create(rt, body)


class _PlainJsonCreateRefused(_MediaTypeGate):
    """A POST sent or accepted as application/json is refused before anything is stored."""

    def refusal(self, req: Request) -> ScimError | None:
        return _plain_json_refusal(req)


class _ScimJsonCreateRefused(_MediaTypeGate):
    """A POST accepting only application/scim+json is refused before anything is stored."""

    def refusal(self, req: Request) -> ScimError | None:
        return _scim_json_refusal(req)


def _is_json(response: Response) -> bool:
    return (response.mimetype or "").endswith("json")


def _ascii_only(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("ascii", "replace").decode("ascii")
    if isinstance(value, list):
        return [_ascii_only(v) for v in value]
    if isinstance(value, dict):
        return {k: _ascii_only(v) for k, v in value.items()}
    return value


def _non_ascii_mangled(req: Request, response: Response) -> Response:
    body = response_json(response)
    if body is None or response.get_data(as_text=True).isascii():
        return response
    return rewrite(response, _ascii_only(body))


def _charset_latin1(req: Request, response: Response) -> Response:
    if not _is_json(response) or not response.get_data():
        return response
    text = response.get_data(as_text=True)
    response.set_data(text.encode("latin-1", "replace"))
    response.headers["Content-Type"] = f"{response.mimetype}; charset=iso-8859-1"
    return response


register(Defect("plain-json-refused", ("P-3.8-04",),
                "Accept or Content-Type application/json is refused with 406 / 415.",
                response=_refused(_plain_json_refusal),
                wrap_provider=_PlainJsonCreateRefused))  # fmt: skip
register(Defect("accept-scim-json-406", ("P-3.8-03",),
                "Accept: application/scim+json (without application/json) is refused with 406.",
                response=_refused(_scim_json_refusal),
                wrap_provider=_ScimJsonCreateRefused))  # fmt: skip
register(Defect("non-ascii-mangled", ("P-3.8-01",),
                "Non-ASCII characters in responses become '?'.",
                response=_non_ascii_mangled))  # fmt: skip
register(Defect("charset-latin1", ("P-3.8-02",),
                "JSON responses are encoded and labelled ISO-8859-1.",
                response=_charset_latin1))  # fmt: skip


# -- errors ------------------------------------------------------------------------------------


def _not_found_as_html(req: Request, response: Response) -> Response:
    if response.status_code == 404:
        response.set_data("<html><body><h1>404 Not Found</h1></body></html>")
        response.content_type = "text/html; charset=utf-8"
    return response


def _not_found_as_400(req: Request, response: Response) -> Response:
    if response.status_code == 404:
        return error_response(response, BadRequest("Bad request."))
    return response


def _malformed_json_500(req: Request, response: Response) -> Response:
    raw = req.get_data(cache=True)
    if not raw or response.status_code != 400:
        return response
    try:
        json.loads(raw)
    except ValueError:
        return error_response(response, InternalError("Internal error while reading the request."))
    return response


def _error_200(req: Request, response: Response) -> Response:
    if response.status_code >= 400:
        response.status_code = 200
    return response


_SNAKE = {"invalidValue": "invalid_value", "invalidSyntax": "invalid_syntax",
          "invalidFilter": "invalid_filter", "uniqueness": "not_unique"}  # fmt: skip


def _scim_type_snake_case(req: Request, response: Response) -> Response:
    body = response_json(response)
    if isinstance(body, dict) and body.get("scimType") in _SNAKE:
        body["scimType"] = _SNAKE[body["scimType"]]
        return rewrite(response, body)
    return response


def _me_404(req: Request, response: Response) -> Response:
    if relative_path(req).rstrip("/") == "/Me" and response.status_code == 501:
        return error_response(response, NotFound("Not found."))
    return response


def _error_without_schemas(req: Request, response: Response) -> Response:
    body = response_json(response)
    if response.status_code >= 400 and isinstance(body, dict) and "schemas" in body:
        del body["schemas"]
        return rewrite(response, body)
    return response


def _error_status_mismatch(req: Request, response: Response) -> Response:
    # One client-error template for all: the body says 400 whatever the HTTP status is.
    body = response_json(response)
    if 400 < response.status_code < 500 and isinstance(body, dict) and "status" in body:
        body["status"] = "400"
        return rewrite(response, body)
    return response


def _delete_answers_200(req: Request, response: Response) -> Response:
    # The DELETE handler reuses the generic "OK" answer: 200 with an empty JSON object.
    if req.method == "DELETE" and response.status_code == 204:
        response.status_code = 200
        response.content_type = "application/scim+json"
        response.set_data(b"{}")
    return response


def _empty_query_404(req: Request, response: Response) -> Response:
    # "Nothing found" is reported as a missing resource when a filter matches nothing.
    body = response_json(response)
    if req.method != "GET" or "filter" not in req.args or response.status_code != 200:
        return response
    if isinstance(body, dict) and body.get("totalResults") == 0:
        return error_response(response, NotFound("No resource matches the filter."))
    return response


class _BooleanSubAttributeCoerced(ProviderDecorator):
    """A lenient create: a string emails[].primary becomes a boolean instead of a 400."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        if isinstance(body, dict) and isinstance(body.get("emails"), list):
            body = copy.deepcopy(body)
            for email in body["emails"]:
                if isinstance(email, dict) and isinstance(email.get("primary"), str):
                    email["primary"] = email["primary"].lower() == "true"
        return self.inner.create(rt, body)


register(Defect("not-found-as-html", ("P-3.12-01", "P-3.2-04"),
                "404 answers carry an HTML page instead of a SCIM Error.",
                response=_not_found_as_html))  # fmt: skip
register(Defect("not-found-as-400", ("P-3.12-10",),
                "A missing resource or endpoint is answered 400 instead of 404.",
                response=_not_found_as_400))  # fmt: skip
register(Defect("malformed-json-500", ("P-3.12-07", "P-3.12-19"),
                "An unparsable JSON body is answered 500.",
                response=_malformed_json_500))  # fmt: skip
register(Defect("error-200", ("P-3.2-03",),
                "Errors are answered with status 200 (the Error body is kept).",
                response=_error_200))  # fmt: skip
register(Defect("scim-type-snake-case", ("P-3.12-05",),
                "scimType values are spelt in snake_case (invalid_value, …).",
                response=_scim_type_snake_case))  # fmt: skip
register(Defect("error-without-schemas", ("P-3.12-02",),
                "Error bodies carry no schemas attribute.",
                response=_error_without_schemas))  # fmt: skip
register(Defect("error-status-mismatch", ("P-3.12-04",),
                'Every 4xx error body says status "400", whatever the HTTP status.',
                response=_error_status_mismatch))  # fmt: skip
register(Defect("delete-answers-200", ("P-3.6-05",),
                "A successful DELETE answers 200 with an empty JSON object instead of 204.",
                response=_delete_answers_200))  # fmt: skip
register(Defect("empty-query-404", ("P-3.4.2-08",),
                "A filtered GET that matches nothing answers 404 instead of 200 with no results.",
                response=_empty_query_404))  # fmt: skip
register(Defect("me-404", ("P-3.11-01",), "/Me is answered 404 instead of 501.",
                response=_me_404))  # fmt: skip
register(Defect("boolean-subattribute-coerced", ("P-3.12-22",),
                "POST coerces a string emails[].primary to a boolean instead of refusing it.",
                wrap_provider=_BooleanSubAttributeCoerced))  # fmt: skip


# -- authentication ------------------------------------------------------------------------------

#: Where a request hook leaves the credential failure the answer must still report.
_REFUSED_CREDENTIALS = "scim_defects.refused_credentials"


def _authenticated_if(accept: Callable[[str | None], bool]) -> RequestHook:
    """A request hook treating every Authorization header that ``accept`` allows as valid."""

    def hook(req: Request) -> Response | None:
        token = http.config().token
        if token is not None and accept(req.headers.get("Authorization")):
            # The defect is in the credential check: the request is served as if the right
            # token had been sent (the views read the header after this hook).
            req.environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return None

    return hook


def _absent(header: str | None) -> bool:
    return not header


def _any_token(header: str | None) -> bool:
    return bool(header) and bool((header or "").partition(" ")[2].strip())


def _empty_bearer(header: str | None) -> bool:
    return header is not None and (header or "").strip().lower() == "bearer"


def _token_under_any_scheme(header: str | None) -> bool:
    """The credential is compared and the scheme name in front of it is never read."""
    credentials = (header or "").partition(" ")[2].strip()
    return bool(credentials) and credentials == http.config().token


def _auth_403(req: Request, response: Response) -> Response:
    if response.status_code == 401:
        response.headers.pop("WWW-Authenticate", None)
        return error_response(response, Forbidden("Forbidden."))
    return response


def _auth_no_challenge(req: Request, response: Response) -> Response:
    response.headers.pop("WWW-Authenticate", None)
    return response


def _create_before_auth(req: Request) -> Response | None:
    """A POST to a resource endpoint with bad credentials is performed all the same."""
    token = http.config().token
    rt = http.state().registry.resource_type_for_endpoint(relative_path(req).rstrip("/"))
    if req.method != "POST" or rt is None or token is None:
        return None
    try:
        http.check_auth()
    except Unauthorized as refused:
        # Served as if authenticated; the refusal is kept for the answer (_answer_refused).
        req.environ[_REFUSED_CREDENTIALS] = refused
        req.environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return None


def _answer_refused(req: Request, response: Response) -> Response:
    """The 401 the credential check found, whatever the (performed) write answered."""
    refused = req.environ.get(_REFUSED_CREDENTIALS)
    return render(refused) if isinstance(refused, Unauthorized) else response


register(Defect("auth-off", ("P-2-02", "P-3.12-08"),
                       "Requests without an Authorization header are served.",
                       before=_authenticated_if(_absent)))  # fmt: skip
register(Defect("auth-accepts-any-token", ("P-2-02", "P-3.12-08"),
                       "Any bearer token is accepted.",
                       before=_authenticated_if(_any_token)))  # fmt: skip
register(Defect("auth-accepts-empty-bearer", ("P-2-02", "P-3.12-08"),
                       "'Authorization: Bearer' with no token is accepted.",
                       before=_authenticated_if(_empty_bearer)))  # fmt: skip
register(Defect("auth-scheme-ignored", ("P-2-02", "P-3.12-08"),
                       "The right token is accepted after any auth-scheme name, e.g. "
                       "'Authorization: Token <token>': only the part after the space is checked.",
                       before=_authenticated_if(_token_under_any_scheme)))  # fmt: skip
register(Defect("auth-403", ("P-3.12-08",),
                "Missing or wrong credentials are answered 403 instead of 401.",
                response=_auth_403))  # fmt: skip
register(Defect("auth-no-challenge", ("P-2-01",),
                "401 answers carry no WWW-Authenticate header.",
                response=_auth_no_challenge))  # fmt: skip
register(Defect("unauthenticated-write-performed", ("P-2-02",),
                       "POST without credentials is answered 401 but the resource is created.",
                       response=_answer_refused, before=_create_before_auth))  # fmt: skip
