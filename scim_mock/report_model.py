"""What the client report card reads: server facts and journal entries seen as exchanges.

Pure domain code (:mod:`scim_mock.report_card` holds the rules that use it). A journal entry is
the dict ``GET /_mock/requests`` returns; every key is optional here, because a rule that lacks
what it needs (headers, a response body) does not judge rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass(frozen=True)
class EndpointFacts:
    """One resource endpoint: its schemas and the attribute names some rules need (lower case;
    extension attributes as ``<urn>:<name>``; booleans by bare name, sub-attributes included)."""

    name: str
    schema: str
    extensions: tuple[str, ...] = ()
    read_only: frozenset[str] = frozenset({"id", "meta"})
    booleans: frozenset[str] = frozenset()
    multi_valued: frozenset[str] = frozenset()


_DEFAULT_ENDPOINTS = {
    "Users": EndpointFacts(
        "Users",
        _USER,
        (_ENTERPRISE,),
        frozenset({"id", "meta", "groups"}),
        frozenset({"active", "primary"}),
        frozenset(
            {
                "emails",
                "phonenumbers",
                "ims",
                "photos",
                "addresses",
                "entitlements",
                "roles",
                "x509certificates",
            }
        ),
    ),  # fmt: skip
    "Groups": EndpointFacts("Groups", _GROUP, (), multi_valued=frozenset({"members"})),
}


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about the server (the defaults: the strict mock's)."""

    etag_supported: bool = True
    endpoints: Mapping[str, EndpointFacts] = field(default_factory=lambda: dict(_DEFAULT_ENDPOINTS))


@dataclass(frozen=True)
class Hit:
    """One rule that an exchange broke, with what showed it."""

    rule: str
    detail: str = ""


@dataclass(frozen=True)
class Target:
    """A PATCH path's attribute (lower case; ``<urn>:<name>`` for extensions), the attribute
    or sub-attribute it finally addresses, and whether a value filter selects values."""

    attribute: str
    leaf: str
    filtered: bool


def ci_get(mapping: Mapping[str, Any], name: str) -> Any:
    """``mapping[name]``, matching the key case-insensitively as SCIM does (RFC 7643 §2.1)."""
    if name in mapping:
        return mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if isinstance(key, str) and key.lower() == lowered:
            return value
    return None


def patch_target(path: str, endpoint: EndpointFacts) -> Target | None:
    """Where a PATCH ``path`` points, e.g. ``emails[type eq "work"].primary``; None if empty."""
    text = path.strip()
    head = text.split("[", 1)[0]
    rest = text
    urn = ""
    if head.lower().startswith("urn:"):
        cut = head.rfind(":")
        urn, rest = head[:cut].lower(), text[cut + 1 :]
        if urn == endpoint.schema.lower():
            urn = ""
    name = rest.replace("[", ".").split(".", 1)[0].lower()
    if not name:
        return None
    filtered = "[" in rest
    if filtered:
        after = rest[rest.rfind("]") + 1 :]
        leaf = after[1:].lower() if after.startswith(".") else name
    else:
        leaf = rest.rsplit(".", 1)[-1].lower()
    return Target(f"{urn}:{name}" if urn else name, leaf, filtered)


def _json(text: Any) -> Any:
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:  # not JSON, or cut off by the journal's bound: not judged
        return None


def _lower_keys(headers: Any) -> dict[str, str] | None:
    if not isinstance(headers, Mapping):
        return None
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def _int(value: Any) -> int | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


@dataclass
class Exchange:
    """One journal entry, parsed once for every rule."""

    entry: Mapping[str, Any]
    order: int
    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: dict[str, str] | None
    response_headers: dict[str, str] | None
    kind: str
    endpoint: EndpointFacts | None
    collection: str
    resource_id: str | None

    @classmethod
    def of(cls, entry: Mapping[str, Any], index: int, facts: Facts) -> Exchange:
        """Parse ``entry`` (the ``index``-th of its journal) for the server of ``facts``."""
        full = str(entry.get("path") or "")
        path, _, raw_query = full.partition("?")
        query = entry.get("query")
        if not isinstance(query, Mapping):
            query = parse_qs(raw_query, keep_blank_values=True)
        method = str(entry.get("method") or "").upper()
        kind, endpoint, collection, resource_id = _classify(method, path.rstrip("/"), facts)
        order = entry.get("id")
        return cls(
            entry,
            order if isinstance(order, int) and not isinstance(order, bool) else index,
            method,
            path,
            raw_query,
            {
                str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
                for k, vs in query.items()
            },  # fmt: skip
            _lower_keys(entry.get("requestHeaders")),
            _lower_keys(entry.get("responseHeaders")),
            kind,
            endpoint,
            collection,
            resource_id,
        )

    @property
    def control(self) -> bool:
        """A /_mock request (not SCIM: never judged)."""
        return self.path.startswith("/_mock")

    @property
    def client(self) -> str:
        """Who sent it (the journal's credential fingerprint)."""
        return str(self.entry.get("client") or "anonymous")

    @property
    def status(self) -> int:
        """The status the mock answered (0 if unknown)."""
        return _int(self.entry.get("status")) or 0

    @property
    def content_type(self) -> str | None:
        """The request's Content-Type."""
        value = self.entry.get("requestContentType")
        if value is None and self.headers is not None:
            value = self.headers.get("content-type")
        return str(value) if value else None

    @property
    def body_text(self) -> str:
        """The request body as recorded."""
        body = self.entry.get("requestBody")
        return body if isinstance(body, str) else ""

    @cached_property
    def body(self) -> Any:
        """The request body as JSON, or None."""
        return _json(self.entry.get("requestBody"))

    @cached_property
    def response(self) -> Any:
        """The response body as JSON, or None."""
        return _json(self.entry.get("responseBody"))

    @cached_property
    def time(self) -> datetime | None:
        """When the mock's clock recorded it."""
        return _time(self.entry.get("time"))

    @property
    def key(self) -> str | None:
        """The resource it addresses (its URL path), if one."""
        return f"{self.collection}/{self.resource_id}" if self.resource_id else None

    def param(self, name: str) -> Any:
        """A query parameter, or for a POST .search the body field of the same name."""
        if self.kind == "search" and isinstance(self.body, dict):
            value = ci_get(self.body, name)
            if value is not None:
                return value
        lowered = name.lower()
        for key, values in self.query.items():
            if key.lower() == lowered and values:
                return values[0]
        return None

    def int_param(self, name: str) -> int | None:
        """A numeric query parameter (startIndex, count)."""
        value = self.param(name)
        return None if value is None else _int(value)

    @property
    def projected(self) -> bool:
        """Did the client ask for attributes or excludedAttributes?"""
        return self.param("attributes") is not None or self.param("excludedAttributes") is not None


def _classify(
    method: str, path: str, facts: Facts
) -> tuple[str, EndpointFacts | None, str, str | None]:
    """(kind, endpoint, collection path, resource id) of a request path."""
    segments = path.split("/")
    last = segments[-1]
    before = segments[-2] if len(segments) > 1 else ""
    if last == ".search":
        return "search", facts.endpoints.get(before), "/".join(segments[:-1]), None
    if last == "Bulk":
        return "bulk", None, path, None
    if last in facts.endpoints:
        kind = {"GET": "list", "POST": "create"}.get(method, "other")
        return kind, facts.endpoints[last], path, None
    if before in facts.endpoints and len(segments) > 2:
        kinds = {"GET": "read", "PUT": "replace", "PATCH": "patch", "DELETE": "delete"}
        return kinds.get(method, "other"), facts.endpoints[before], "/".join(segments[:-1]), last
    return "other", None, path, None
