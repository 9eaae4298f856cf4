"""Defects of the security_access area: authentication gaps, unbounded input, leaky errors.

RFC 7644 §2, §3.12 and §7; RFC 6750 §2-§3 and §5.3. Each models a bug real SCIM servers have
shipped: an endpoint whose blueprint lost the auth middleware, a token read from the query
string or compared case-insensitively, an auth check that runs after the handler, a login page
instead of a SCIM Error, a recursive-descent filter simplifier without a depth bound (kanidm
CVE-2026-46689), a page buffer allocated from ``count``, a logging middleware that parses deep
JSON without guarding its recursion, debug error pages and database errors echoed in ``detail``
(CWE-209; SCIMono CVE-2021-21479 is the same channel used for injection).

The authentication defects act before the views, as the strict mock refuses a request before
any provider operation; they do so with ``before`` request hooks that make the request look
authenticated (the credential check is where the bug is), never by touching the store.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable, Iterable

from flask import Request, Response

from scim_defects.common import relative_path
from scim_defects.registry import Defect, RequestHook, register, response_json, rewrite
from scim_mock import filters, http
from scim_mock.errors import Unauthorized
from scim_mock.handlers import render
from scim_mock.operations import ProviderDecorator
from scim_mock.query import Query, QueryResult
from scim_mock.schema import ResourceType
from scim_mock.seams import Seams

# -- authentication ----------------------------------------------------------------------------


def _serve_as_authenticated(req: Request) -> None:
    """Let the views' credential check pass: the defect decided the request is authenticated."""
    token = http.config().token
    if token is not None:
        req.environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"


def _open_paths(is_open: Callable[[str], bool]) -> RequestHook:
    """A hook serving every request to a path ``is_open`` selects without authentication."""

    def hook(req: Request) -> Response | None:
        if is_open(relative_path(req).rstrip("/")):
            _serve_as_authenticated(req)
        return None

    return hook


def _is_bulk(path: str) -> bool:
    return path == "/Bulk"


def _is_search(path: str) -> bool:
    return path.endswith("/.search")


def _is_groups(path: str) -> bool:
    return path == "/Groups" or path.startswith("/Groups/")


def _query_token(req: Request) -> Response | None:
    """RFC 6750 §2.3's URI query parameter honoured when no Authorization header is sent."""
    token = http.config().token
    if token is not None and not req.headers.get("Authorization"):
        if req.args.get("access_token") == token:
            _serve_as_authenticated(req)
    return None


def _case_insensitive_token(req: Request) -> Response | None:
    """The token compared after lower-casing both sides (an "optimisation" of a lookup)."""
    token = http.config().token
    scheme, _, credentials = req.headers.get("Authorization", "").partition(" ")
    if token is not None and scheme.lower() == "bearer" and credentials.strip():
        if credentials.strip().lower() == token.lower():
            _serve_as_authenticated(req)
    return None


#: Where the late credential check keeps the refusal the answer must report.
_LATE_REFUSAL = "scim_defects.security_access.late_refusal"
_WRITES = ("POST", "PUT", "PATCH", "DELETE")


def _auth_after_handler(req: Request) -> Response | None:
    """The credential check runs as a response filter: a write has happened when it refuses."""
    if req.method not in _WRITES or http.config().token is None or _is_search(relative_path(req)):
        return None
    try:
        http.check_auth()
    except Unauthorized as refused:
        req.environ[_LATE_REFUSAL] = refused
        _serve_as_authenticated(req)
    return None


def _late_refusal(req: Request, response: Response) -> Response:
    refused = req.environ.get(_LATE_REFUSAL)
    return render(refused) if isinstance(refused, Unauthorized) else response


_LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>401 Unauthorized</h1>"
    "<p>Please sign in to continue.</p></body></html>"
)


def _unauthorized_as_html(req: Request, response: Response) -> Response:
    # A gateway in front of the app renders its own sign-in page; the challenge header stays.
    if response.status_code == 401:
        response.set_data(_LOGIN_PAGE)
        response.content_type = "text/html; charset=utf-8"
    return response


register(Defect("auth-missing-on-bulk", ("P-2-02", "P-3.12-08"),
                "/Bulk is registered on a blueprint without the auth middleware: it runs every "
                "operation for any caller.", before=_open_paths(_is_bulk)))  # fmt: skip
register(Defect("auth-missing-on-search", ("P-2-02", "P-3.12-08"),
                "POST /.search and /<type>/.search are routed around the auth middleware: any "
                "caller can query every resource.", before=_open_paths(_is_search)))  # fmt: skip
register(Defect("auth-missing-on-groups", ("P-2-02", "P-3.12-08"),
                "The /Groups blueprint is mounted without the auth middleware: anyone can list, "
                "change and delete groups.", before=_open_paths(_is_groups)))  # fmt: skip
register(Defect("auth-query-token", ("P-7.5.2-01",),
                "The token is also accepted as ?access_token=<token> (RFC 6750 §2.3), so it ends "
                "up in URLs and logs (RFC 6750 §5.3).", before=_query_token))  # fmt: skip
register(Defect("auth-token-case-insensitive", ("P-2-02", "P-3.12-08"),
                "The bearer token is compared case-insensitively: the right token with its case "
                "changed is accepted.", before=_case_insensitive_token))  # fmt: skip
register(Defect("auth-after-handler", ("P-2-02",),
                "The credential check runs after the handler: an unauthenticated write is "
                "answered 401 but performed.", before=_auth_after_handler,
                response=_late_refusal))  # fmt: skip
register(Defect("auth-401-html", ("P-3.12-01", "P-3.2-04"),
                "A 401 is answered with an HTML sign-in page instead of a SCIM Error.",
                response=_unauthorized_as_html))  # fmt: skip


# -- exhaustion limits -------------------------------------------------------------------------

_DOUBLE_NOT = re.compile(r"^not\s*\((.*)\)$", re.IGNORECASE | re.DOTALL)


def _simplify(text: str) -> str:
    """Drop redundant outer parentheses and double negations, recursively (no depth bound)."""
    text = text.strip()
    if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        return _simplify(text[1:-1])
    outer = _DOUBLE_NOT.match(text)
    if outer is not None:
        inner = _DOUBLE_NOT.match(_simplify(outer.group(1)))
        if inner is not None:
            return _simplify(inner.group(1))
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _simplifying_parser(seams: Seams) -> Seams:
    parse = seams.parse_filter

    def simplified(text: str, known_urns: Iterable[str] = ()) -> filters.Filter:
        # A RecursionError on a deep filter escapes as an unexpected error: a 500.
        return parse(_simplify(text), known_urns)

    return seams.replace(parse_filter=simplified)


#: Above this many slots the pre-allocated page buffer does not fit in the server's memory.
_BUFFER_SLOTS = 10_000_000


class _PreallocatedPage(ProviderDecorator):
    """The page buffer is allocated from the client's ``count`` before the server's cap."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        try:
            slots = int(str(query.count)) if query.count is not None else 0
        except ValueError:
            slots = 0
        if slots > _BUFFER_SLOTS:
            # What `[None] * count` does on a real host, without allocating it here.
            raise MemoryError(f"cannot allocate a page of {slots} entries")
        return self.inner.query(rts, query)


def _body_logger(req: Request) -> Response | None:
    """A request-logging middleware that parses JSON bodies and guards against ValueError
    only: a deeply nested document raises RecursionError in the parser, which escapes."""
    raw = req.get_data(cache=True)
    if raw and (req.mimetype or "").endswith("json"):
        try:
            json.loads(raw)
        except ValueError:
            pass  # malformed bodies are the view's business
    return None


#: SQLite's default SQLITE_MAX_VARIABLE_NUMBER: one bind parameter per filter comparison.
_BIND_LIMIT = 999
_COMPARISON = re.compile(r"\s(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s|\spr\b", re.IGNORECASE)


class SqlVariableLimit(Exception):
    """The database driver's refusal of a statement with too many bind parameters."""


def _bind_limited(seams: Seams) -> Seams:
    parse = seams.parse_filter

    def translated(text: str, known_urns: Iterable[str] = ()) -> filters.Filter:
        # The filter becomes one SQL statement before any length check; the driver's error
        # is not mapped to a SCIM error, so it answers 500.
        if len(_COMPARISON.findall(text)) > _BIND_LIMIT:
            raise SqlVariableLimit("too many SQL variables")
        return parse(text, known_urns)

    return seams.replace(parse_filter=translated)


#: The audit table's body column, bytes.
_AUDIT_COLUMN = 1_048_576


class AuditDataError(Exception):
    """The database's refusal of a value longer than its column."""


def _audit_log(req: Request) -> Response | None:
    """Each request body is written to an audit table before the views see it; a body longer
    than the column raises a data error that no handler maps, so it answers 500."""
    if req.content_length is not None and req.content_length > _AUDIT_COLUMN:
        raise AuditDataError("value too long for type character varying(1048576)")
    return None


register(Defect("filter-parser-unbounded", ("P-3.4.2.2-02", "P-3.4.2.2-04"),
                "A filter simplifier strips redundant parentheses and double negations by "
                "recursion without a depth bound: a deeply nested filter answers 500 "
                "(kanidm CVE-2026-46689).", change_seams=_simplifying_parser))  # fmt: skip
register(Defect("count-preallocated", ("C-5-13", "P-3.4.2.4-06"),
                "A page buffer is allocated from count before the maxResults cap: a huge count "
                "answers 500 (MemoryError).", wrap_provider=_PreallocatedPage))  # fmt: skip
register(Defect("json-depth-unbounded", ("P-3.12-07", "P-3.12-19"),
                "A logging middleware parses every JSON body without a depth bound: a deeply "
                "nested document answers 500 (RecursionError).", before=_body_logger))  # fmt: skip

register(Defect("filter-bind-limit", ("P-3.4.3-04", "P-3.4.2.2-04"),
                "Each filter comparison becomes an SQL bind parameter: above the driver's 999 "
                "variables a long filter answers 500.", change_seams=_bind_limited))  # fmt: skip
register(Defect("audit-log-oversized-500", ("P-3.12-07", "P-3.7.4-02"),
                "An audit middleware stores every request body in a 1 MiB column: a larger "
                "body answers 500 instead of 413.", before=_audit_log))  # fmt: skip


# -- error leaks -------------------------------------------------------------------------------


def _with_traceback(req: Request, response: Response) -> Response:
    """Debug mode left on: every error's detail carries the Python traceback."""
    body = response_json(response)
    if response.status_code < 400 or not isinstance(body, dict):
        return response
    stack = "".join(traceback.format_stack(limit=4))
    body["detail"] = (f"{body.get('detail', '')}\nTraceback (most recent call last):\n{stack}"
                      "werkzeug.exceptions.BadRequest: see above")  # fmt: skip
    return rewrite(response, body)


_SQL_ERROR = (
    'psycopg.errors.SyntaxError: syntax error at or near "{token}"\nLINE 1: SELECT id, data '
    "FROM scim_resources WHERE resource_type = 'User' AND ...\n(SQLSTATE 42601)"
)


def _sql_error_echoed(req: Request, response: Response) -> Response:
    """A filter translated to SQL: the database's error is passed on as the detail."""
    body = response_json(response)
    if not isinstance(body, dict) or body.get("scimType") != "invalidFilter":
        return response
    body["detail"] = _SQL_ERROR.format(token="eq")
    return rewrite(response, body)


register(Defect("error-debug-traceback", ("P-3.2-04", "P-3.12-01"),
                "Error details carry the server's Python traceback (debug mode left on).",
                response=_with_traceback))  # fmt: skip
register(Defect("error-sql-echoed", ("P-3.2-04", "P-3.12-01"),
                "An invalid filter answers with the database's SQL error text as detail.",
                response=_sql_error_echoed))  # fmt: skip
