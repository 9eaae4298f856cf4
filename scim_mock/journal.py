"""The journal: a bounded, thread-safe log of the SCIM exchanges a client had with the mock.

Client authors read it to see what their client sent and what the mock answered
(``GET /_mock/requests``, filtered with :class:`JournalQuery`), export it as HAR 1.2 for their
browser's or proxy's tools (``GET /_mock/requests.har``, :func:`render_har`), and the report card
judges the traffic it holds. Entries are built from plain values (:class:`Exchange`), so this
module never reads a request: the HTTP layer (``views.control.install_recorder``) does.

What a log must not keep is never kept: credentials in headers (Authorization, Cookie, ...) and
``password`` values in request bodies (RFC 7643 §4.1.1: the password is writeOnly and the
service provider never returns it; a request log that stored it in clear would leak it through
the control API) are replaced by ``"<redacted>"``. Bodies are cut at :data:`BODY_LIMIT` bytes.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from scim_mock.errors import InvalidValue

#: How many exchanges the journal keeps by default (oldest dropped first).
DEFAULT_SIZE = 1000
#: The most bytes of one request or response body an entry keeps (64 KiB).
BODY_LIMIT = 64 * 1024
#: Entries a query returns unless it says ``limit=``.
DEFAULT_LIMIT = 100
#: The most bytes a HAR export holds (its bodies' text summed); older entries are left out.
HAR_BYTE_LIMIT = 8 * 1024 * 1024
REDACTED = "<redacted>"
#: Headers whose value is a credential (request and response side).
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_TRUNCATED = "…"
_STATUS_CLASS = re.compile(r"[1-5]xx")
# A "password": "..." member in a body that is not JSON (or not complete JSON).
_PASSWORD_MEMBER = re.compile(r'("(?:[^"]*:)?password"\s*:\s*)"(?:[^"\\]|\\.)*"?', re.IGNORECASE)
# password=... in a form-encoded body (not SCIM, but a client may send one by mistake).
_PASSWORD_FIELD = re.compile(r"(\bpassword=)[^&\s]*", re.IGNORECASE)


def client_fingerprint(authorization: str | None) -> str:
    """A stable short name for a credential that does not reveal it ("anonymous" without)."""
    if not authorization:
        return "anonymous"
    return hashlib.sha256(authorization.encode("utf-8")).hexdigest()[:12]


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and "Z" (as ``meta`` timestamps are)."""
    utc = moment.astimezone(timezone.utc) if moment.tzinfo else moment
    return utc.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def parse_time(text: str) -> datetime:
    """An ISO 8601 time ("Z" or an offset; none means UTC); InvalidValue when it is not one."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(f"{text!r} is not an ISO 8601 time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(slots=True)
class Exchange:
    """The plain values of one exchange, as the HTTP layer saw them (never changed once
    recorded; not a frozen dataclass, whose ``__init__`` costs three times as much, and one
    is built for every request)."""

    method: str
    path: str
    query_string: str = ""
    request_headers: Sequence[tuple[str, str]] = ()
    request_content_type: str | None = None
    #: The body as received; None when it was not read (e.g. refused for its size).
    request_body: bytes | None = b""
    #: The size the client announced, for a body that was not read.
    request_length: int | None = None
    status: int = 200
    response_headers: Sequence[tuple[str, str]] = ()
    #: The body as sent; None when it was not recorded (streamed).
    response_body: bytes | None = b""
    duration_ms: float = 0.0
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    tenant: str | None = None
    compat: Sequence[Mapping[str, Any]] = ()
    fault: str | None = None


def _headers(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        secret = name.lower() in SECRET_HEADERS
        out[name] = REDACTED if secret else value
    return out


def _bounded(data: bytes) -> str:
    text = data[:BODY_LIMIT].decode("utf-8", "replace")
    return text + (_TRUNCATED if len(data) > BODY_LIMIT else "")


def _is_password_path(path: Any) -> bool:
    # "password" or a URN-qualified "urn:...:User:password" (RFC 7644 §3.10).
    return isinstance(path, str) and path.strip().lower().rsplit(":", 1)[-1] == "password"


def _redact(value: Any) -> tuple[Any, bool]:
    """``value`` with every password value replaced, and whether anything was."""
    if isinstance(value, list):
        items = [_redact(item) for item in value]
        return [item for item, _ in items], any(changed for _, changed in items)
    if not isinstance(value, dict):
        return value, False
    out: dict[str, Any] = {}
    changed = False
    for key, item in value.items():
        if _is_password_path(key) and item is not None:
            out[key], changed = REDACTED, True
        else:
            out[key], inner = _redact(item)
            changed = changed or inner
    # A PATCH operation whose path is the password carries it as its value (RFC 7644 §3.5.2).
    if _is_password_path(value.get("path")) and value.get("value") is not None:
        out["value"], changed = REDACTED, True
    return out, changed


def redact_body(data: bytes) -> bytes:
    """The body with its password values replaced; unchanged (byte for byte) when it has none.

    A JSON body is parsed and, only when it held a password, serialised again; a body that is
    not JSON (or is cut) has its ``"password": "..."`` members replaced in the text.
    """
    if b"assword" not in data.lower() and b"\\u" not in data:
        return data
    try:
        parsed = json.loads(data)
    except ValueError:
        text = data.decode("utf-8", "replace")
        text = _PASSWORD_MEMBER.sub(rf'\1"{REDACTED}"', text)
        return _PASSWORD_FIELD.sub(rf"\1{REDACTED}", text).encode("utf-8")
    redacted, changed = _redact(parsed)
    return json.dumps(redacted, ensure_ascii=False).encode("utf-8") if changed else data


def build_entry(exchange: Exchange, entry_id: int) -> dict[str, Any]:
    """The journal entry of ``exchange`` (the keys /_mock/requests documents)."""
    query = exchange.query_string
    headers = _headers(exchange.request_headers)
    authorization = next(
        (v for n, v in exchange.request_headers if n.lower() == "authorization"), None
    )
    if exchange.request_body is None:
        request_text = f"({exchange.request_length} bytes, not read)"
        request_size = exchange.request_length if exchange.request_length is not None else -1
    else:
        request_text = _bounded(redact_body(exchange.request_body))
        request_size = len(exchange.request_body)
    if exchange.response_body is None:
        response_text, response_size = "(streamed, not recorded)", -1
    else:
        response_text = _bounded(exchange.response_body)
        response_size = len(exchange.response_body)
    entry: dict[str, Any] = {
        "id": entry_id,
        "time": format_time(exchange.time),
        "method": exchange.method,
        "path": exchange.path + (f"?{query}" if query else ""),
        "query": parse_qs(query, keep_blank_values=True),
        "requestHeaders": headers,
        "requestContentType": exchange.request_content_type,
        "requestBody": request_text,
        "requestBodySize": request_size,
        "status": exchange.status,
        "responseHeaders": _headers(exchange.response_headers),
        "responseBody": response_text,
        "responseBodySize": response_size,
        "durationMs": round(exchange.duration_ms, 3),
        "client": client_fingerprint(authorization),
        "tenant": exchange.tenant,
        "compat": [dict(c) for c in exchange.compat],
        "fault": exchange.fault,
    }
    if exchange.status >= 400 and exchange.response_body:
        try:
            body = json.loads(exchange.response_body)
        except ValueError:
            body = None
        if isinstance(body, dict):
            entry["scimType"] = body.get("scimType")
            entry["detail"] = body.get("detail")
    return entry


class RequestJournal:
    """A bounded, thread-safe log of exchanges; ids keep increasing across :meth:`clear`.

    An exchange's entry (redaction, header lists, parsed query) is built when the journal is
    first read, not while the response is on its way: most exchanges are never looked at, or
    fall off the end before they are, and serving stays as fast as it can be.
    """

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("the journal holds at least one entry")
        self.size = size
        self._entries: deque[dict[str, Any] | tuple[Exchange, int]] = deque(maxlen=size)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[dict[str, Any]], None]] = []

    def record(self, exchange: Exchange) -> None:
        """Add ``exchange`` (its entry is built when read, or now for the listeners)."""
        large = max(len(exchange.request_body or b""), len(exchange.response_body or b""))
        with self._lock:
            id = next(self._ids)
            if not self._listeners and large <= BODY_LIMIT:
                # Built when read; a larger body is cut to BODY_LIMIT now, not kept whole.
                self._entries.append((exchange, id))
                return
            listeners = list(self._listeners)
            entry = build_entry(exchange, id)
            self._entries.append(entry)
        for listener in listeners:
            listener(entry)

    def add(self, entry: dict[str, Any]) -> None:
        """Append an entry built elsewhere (it gets the next id unless it has one)."""
        with self._lock:
            entry.setdefault("id", next(self._ids))
            self._entries.append(entry)

    def subscribe(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener`` with every new entry (e.g. for a report that outlives the bound)."""
        with self._lock:
            self._listeners.append(listener)

    def clear(self) -> None:
        """Forget every exchange."""
        with self._lock:
            self._entries.clear()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            built = [e if isinstance(e, dict) else build_entry(*e) for e in self._entries]
            # Kept built, so that a second read gives the same objects at no cost.
            self._entries = deque(built, maxlen=self.size)
            return iter(built)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _int(name: str, raw: str, *, minimum: int) -> int:
    try:
        number = int(raw)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise InvalidValue(f"{name} must be an integer of at least {minimum}, got {raw!r}.")
    return number


def _status_matcher(raw: str) -> Callable[[int], bool]:
    # One or more of: an exact status ("404") or a class ("4xx"), comma-separated.
    exact: set[int] = set()
    classes: set[int] = set()
    for part in (p.strip().lower() for p in raw.split(",")):
        if _STATUS_CLASS.fullmatch(part):
            classes.add(int(part[0]))
        elif part.isdigit() and len(part) == 3:
            exact.add(int(part))
        else:
            raise InvalidValue(f"status must be like 404 or 4xx, got {raw!r}.")
    return lambda status: status in exact or status // 100 in classes


@dataclass(frozen=True)
class JournalQuery:
    """Which entries a reader wants; every criterion given must hold (newest last)."""

    methods: frozenset[str] = frozenset()
    path: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    client: str | None = None
    tenant: str | None = None
    after: int | None = None
    limit: int = DEFAULT_LIMIT
    #: The SCIM base path, so that ``path=/Users*`` matches "/scim/v2/Users/1" too.
    base_path: str = ""

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], *, base_path: str = "", size: int = DEFAULT_SIZE
    ) -> JournalQuery:
        """Read the query parameters of /_mock/requests; InvalidValue names a bad one."""
        methods = frozenset(
            m.strip().upper() for m in args.get("method", "").split(",") if m.strip()
        )
        status = args.get("status") or None
        if status is not None:
            _status_matcher(status)  # refuse a bad value now, not while filtering
        limit = _int("limit", args["limit"], minimum=0) if "limit" in args else DEFAULT_LIMIT
        return cls(
            methods=methods,
            path=args.get("path") or None,
            status=status,
            since=parse_time(args["since"]) if args.get("since") else None,
            until=parse_time(args["until"]) if args.get("until") else None,
            client=args.get("client") or None,
            tenant=args.get("tenant") or None,
            after=_int("after", args["after"], minimum=0) if args.get("after") else None,
            limit=min(limit, size),
            base_path=base_path.rstrip("/"),
        )

    def _paths(self, path: str) -> set[str]:
        bare = path.split("?", 1)[0]
        candidates = {path, bare}
        base = self.base_path
        if base:
            # The base path may follow a prefix (a tenant's "/tenants/acme/scim/v2/...").
            at = bare.find(base)
            rest = bare[at + len(base) :] if at >= 0 else None
            if rest is not None and (rest == "" or rest.startswith("/")):
                candidates |= {rest or "/", path[at + len(base) :] or "/"}
        return candidates

    def matches(self, entry: Mapping[str, Any]) -> bool:
        """Whether ``entry`` passes every criterion."""
        if self.methods and entry["method"] not in self.methods:
            return False
        if self.path is not None and not any(
            fnmatch.fnmatchcase(p, self.path) for p in self._paths(entry["path"])
        ):
            return False
        if self.status is not None and not _status_matcher(self.status)(entry["status"]):
            return False
        if self.since is not None or self.until is not None:
            moment = parse_time(entry["time"])
            if self.since is not None and moment < self.since:
                return False
            if self.until is not None and moment > self.until:
                return False
        if self.client is not None and entry.get("client") != self.client:
            return False
        if self.tenant is not None and entry.get("tenant") != self.tenant:
            return False
        return self.after is None or entry.get("id", 0) > self.after

    def select(self, entries: Iterator[dict[str, Any]] | Sequence[dict[str, Any]]) -> list[Any]:
        """The matching entries, the newest ``limit`` of them, newest last."""
        chosen = [entry for entry in entries if self.matches(entry)]
        return chosen[-self.limit :] if self.limit else []


# -- HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) -------------------------------


def _pairs(mapping: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in mapping.items()]


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for n, v in headers.items() if n.lower() == name), "")


def _status_text(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def har_entry(entry: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """One journal entry as a HAR 1.2 entry; ``origin`` is the scheme and host of the mock."""
    request_headers: Mapping[str, str] = entry.get("requestHeaders", {})
    response_headers: Mapping[str, str] = entry.get("responseHeaders", {})
    duration = float(entry.get("durationMs", 0))
    request: dict[str, Any] = {
        "method": entry["method"],
        "url": origin.rstrip("/") + entry["path"],
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(request_headers),
        "queryString": [
            {"name": name, "value": value}
            for name, values in entry.get("query", {}).items()
            for value in values
        ],
        "headersSize": -1,
        "bodySize": entry.get("requestBodySize", -1),
    }
    if entry.get("requestBodySize", 0) != 0 and entry.get("requestBody"):
        request["postData"] = {
            "mimeType": entry.get("requestContentType") or "",
            "text": entry["requestBody"],
        }
    response: dict[str, Any] = {
        "status": entry["status"],
        "statusText": _status_text(entry["status"]),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(response_headers),
        "content": {
            "size": max(entry.get("responseBodySize", 0), 0),
            "mimeType": _header(response_headers, "content-type"),
            "text": entry.get("responseBody", ""),
        },
        "redirectURL": _header(response_headers, "location") if entry["status"] < 400 else "",
        "headersSize": -1,
        "bodySize": entry.get("responseBodySize", -1),
    }
    har: dict[str, Any] = {
        "startedDateTime": entry["time"],
        "time": duration,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": duration, "receive": 0},
    }
    cut = [
        side
        for side, key in (("request", "requestBody"), ("response", "responseBody"))
        if str(entry.get(key, "")).endswith(_TRUNCATED)
    ]
    if cut:
        har["comment"] = f"{' and '.join(cut)} body cut at {BODY_LIMIT} bytes"
    if entry.get("fault"):
        har["comment"] = "; ".join(filter(None, [har.get("comment"), f"fault {entry['fault']}"]))
    return har


def render_har(
    entries: Sequence[Mapping[str, Any]],
    origin: str,
    *,
    creator_version: str = "0",
    byte_limit: int = HAR_BYTE_LIMIT,
) -> dict[str, Any]:
    """A HAR 1.2 document of ``entries`` (oldest first).

    When their bodies together exceed ``byte_limit``, the oldest entries are left out (the
    newest are the ones a client author is looking at) and ``log.comment`` says how many.
    """
    rendered: list[dict[str, Any]] = []
    total = 0
    for entry in reversed(entries):
        har = har_entry(entry, origin)
        size = len(har["request"].get("postData", {}).get("text", "").encode("utf-8"))
        size += len(har["response"]["content"]["text"].encode("utf-8"))
        if rendered and total + size > byte_limit:
            break
        total += size
        rendered.append(har)
    rendered.reverse()
    log: dict[str, Any] = {
        "version": "1.2",
        "creator": {"name": "scim-mock", "version": creator_version},
        "entries": rendered,
    }
    left_out = len(entries) - len(rendered)
    if left_out:
        log["comment"] = f"{left_out} older entries left out: the bodies exceed {byte_limit} bytes"
    return {"log": log}
