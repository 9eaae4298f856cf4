"""HTTP plumbing shared by the views: media types, bodies, auth, ETags, locations.

Views call these helpers so that every endpoint parses and answers the same way: JSON bodies
in ``application/scim+json`` (RFC 7644 §3.1, §8.1), bearer-token authentication (RFC 7644 §2),
and versioning headers (RFC 7644 §3.14).
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import Response, current_app, request

from scim_mock.config import MockConfig
from scim_mock.errors import (
    InvalidSyntax,
    MethodNotAllowed,
    NotAcceptable,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
)
from scim_mock.memo import remember
from scim_mock.schema import GROUP, USER, ResourceType

SCIM_MEDIA_TYPE = "application/scim+json"
ACCEPTED_REQUEST_TYPES = ("application/scim+json", "application/json")
#: Deeply nested JSON is refused before it can exhaust the parser's recursion.
MAX_JSON_DEPTH = 64




ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_View = TypeVar("_View", bound=Callable[..., Any])


def allow_only(*methods: str) -> Callable[[_View], _View]:
    """Route every method to the view but answer the ones not in ``methods`` with 405.

    Without this, a POST to a GET-only endpoint would fall through to ``/<endpoint>`` and be
    answered 404. The allowed list is kept on the view for the OPTIONS answer.
    """
    allowed = tuple(methods) + (("HEAD",) if "GET" in methods else ())

    def decorate(view: _View) -> _View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method not in allowed:
                raise MethodNotAllowed(
                    f"{request.path} accepts {', '.join(methods)} only.",
                    headers={"Allow": ", ".join(allowed)},
                )
            return view(*args, **kwargs)

        wrapper.scim_allowed = allowed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


#: The state of the app serving the request in this context, set by the app's ``wsgi_app``
#: (:class:`scim_mock.tenants.RootApp`) for the request's duration: a request asks for it a
#: dozen times, and ``current_app`` is a context-local proxy each time.
SERVING: ContextVar[Any] = ContextVar("scim_mock.serving")


def state() -> Any:
    """The mock's per-app state (``app.extensions['scim_mock']``)."""
    serving = SERVING.get(None)
    if serving is not None:
        return serving
    return current_app.extensions["scim_mock"]


def config() -> MockConfig:
    """The app's :class:`MockConfig`."""
    cfg: MockConfig = state().config
    return cfg


def scim_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response in ``application/scim+json``; ``body=None`` sends no body."""
    data = b"" if body is None else _encode(body)
    response = Response(data, status=status, content_type=SCIM_MEDIA_TYPE)
    if body is None:
        response.headers.pop("Content-Type", None)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _encode(body: Any) -> bytes:
    """UTF-8 JSON (P-3.8-01); text that UTF-8 cannot carry (an unpaired surrogate a client
    sent as ``\\ud800``) is escaped rather than failing the response."""
    text = json.dumps(body, ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(body, ensure_ascii=True).encode("ascii")


def check_accept() -> None:
    """406 unless the Accept header allows a JSON type we produce (P-3.8-03, P-3.8-04)."""
    header = request.environ.get("HTTP_ACCEPT")
    if not header:
        return
    # A client sends the same Accept on every request; parsing it costs more than the rest
    # of a GET's checks, so each distinct header's answer is remembered (a bounded cache).
    acceptable = _acceptable.get(header)
    if acceptable is None:
        accept = request.accept_mimetypes
        found = any(accept[t] for t in ("application/scim+json", "application/json"))
        acceptable = remember(_acceptable, header, found, _ACCEPT_HEADERS_KEPT)
    if not acceptable:
        raise NotAcceptable()


_ACCEPT_HEADERS_KEPT = 256
_acceptable: dict[str, bool] = {}


def _depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_body(max_size: int | None = None) -> Any:
    """Parse the request body as JSON, answering malformed input with SCIM errors.

    415 for a non-JSON media type, 413 above ``max_size``, 400 invalidSyntax for anything that
    is not one well-formed JSON document (P-3.12-07, P-3.12-19).
    """
    content_type = (request.mimetype or "").lower()
    if content_type not in ACCEPTED_REQUEST_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {request.content_type or '(none)'} is not supported; "
            "use application/scim+json or application/json."
        )
    limit = max_size if max_size is not None else config().max_request_size
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset {charset} is not supported; use UTF-8 (P-3.8-02).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSyntax(f"The request body is not valid UTF-8: {exc.reason}.") from exc
    if not text.strip():
        raise InvalidSyntax("The request body is empty; a JSON object was expected.")
    # No document nests deeper than it has brackets: most bodies are spared the scan.
    openers = text.count("{") + text.count("[")
    if openers > MAX_JSON_DEPTH and _depth(text) > MAX_JSON_DEPTH:
        raise InvalidSyntax(f"The JSON document nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise InvalidSyntax(f"The request body is not valid JSON: {exc}.") from exc
    # UTF-8 text holds no surrogate, so only a \u escape can make one.
    if "\\u" in text and not _is_unicode(document):
        # "\ud800" escapes parse, but name no character: such text cannot be stored or sent
        # back in UTF-8 (P-3.8-01), so the document is refused as a whole.
        raise InvalidSyntax("The request body contains an unpaired UTF-16 surrogate escape.")
    return document


def _is_unicode(value: Any) -> bool:
    """Whether every string (keys included) in a parsed JSON document is valid Unicode."""
    if isinstance(value, str):
        return value.isascii() or not any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, list):
        return all(_is_unicode(v) for v in value)
    if isinstance(value, dict):
        return all(_is_unicode(k) and _is_unicode(v) for k, v in value.items())
    return True


def check_auth(*, discovery: bool = False) -> None:
    """Bearer-token authentication with a constant-time comparison (RFC 7644 §2, P-3.12-08)."""
    cfg = config()
    if cfg.token is None or (discovery and not cfg.discovery_requires_auth):
        return
    check_bearer(cfg.token)


def check_bearer(token: str) -> None:
    """401 unless the request carries ``Authorization: Bearer <token>`` (constant time)."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    realm = 'Bearer realm="scim-mock"'
    if not header:
        raise Unauthorized(
            "Authorization header missing: send 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": realm},
        )
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized(
            "Unsupported authorization scheme: this provider accepts only Bearer tokens.",
            headers={"WWW-Authenticate": realm},
        )
    if not hmac.compare_digest(credentials.strip().encode(), token.encode()):
        raise Unauthorized(
            "The bearer token is not valid.",
            headers={"WWW-Authenticate": f'{realm}, error="invalid_token"'},
        )


_BASE_URL_KEY = "scim_mock.base_url"
#: What werkzeug's ``request.url_root`` is made of (scheme, host, script root; app-wide
#: settings such as trusted hosts are fixed per app, and this cache is per process).
_URL_ROOT_KEYS = (
    "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME",
)  # fmt: skip
_URL_ROOTS_KEPT = 256
_url_roots: dict[tuple[Any, ...], str] = {}


def base_url() -> str:
    """The absolute base URL of the SCIM endpoints, e.g. ``http://127.0.0.1:8080/scim/v2``."""
    # url_root keeps the WSGI script root: a tenant's mock (scim_mock.tenants) is mounted at
    # /tenants/<name>, and its locations must say so. Worked out once per request: a list page
    # or a large group asks for it once per location it writes.
    environ = request.environ
    cached = environ.get(_BASE_URL_KEY)
    if cached is None:
        # url_root depends only on these values; werkzeug's IRI decoding of it costs more than
        # the rest of a GET's URL handling, so each distinct root is worked out once.
        key = tuple(environ.get(name) for name in _URL_ROOT_KEYS)
        root = _url_roots.get(key)
        if root is None:
            root = remember(_url_roots, key, request.url_root.rstrip("/"), _URL_ROOTS_KEPT)
        cached = environ[_BASE_URL_KEY] = root + config().normalized_base_path
    return str(cached)


def location(rt: ResourceType, resource_id: str) -> str:
    """The absolute URI of a resource."""
    return f"{base_url()}{rt.endpoint}/{resource_id}"


def with_locations(rt: ResourceType, resource: dict[str, Any]) -> dict[str, Any]:
    """Add meta.location and the ``$ref`` of members and groups (RFC 7643 §3.1, §4.2)."""
    meta = resource.get("meta")
    if isinstance(meta, dict) and "id" in resource:
        meta["location"] = location(rt, resource["id"])
    registry = state().registry
    if rt.schema == GROUP:
        for member in resource.get("members", []):
            target = registry.resource_type(member.get("type", ""))
            if target is not None and "value" in member:
                member["$ref"] = location(target, member["value"])
    elif rt.schema == USER:
        group_rt = next((t for t in registry.resource_types() if t.schema == GROUP), None)
        for group in resource.get("groups", []):
            if group_rt is not None and "value" in group:
                group["$ref"] = location(group_rt, group["value"])
    return resource


def etag_headers(resource: dict[str, Any]) -> dict[str, str]:
    """``ETag`` equal to meta.version when versioning is on (P-3.14-02, C-3.1-21)."""
    version = resource.get("meta", {}).get("version")
    if config().etag_supported and isinstance(version, str):
        return {"ETag": version}
    return {}


def precondition_header(name: str) -> list[str] | None:
    """The entity tags of an If-Match / If-None-Match header, or None when absent."""
    raw = request.headers.get(name)
    if raw is None or not config().etag_supported:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]
