"""Mock configuration: what the provider advertises and how it behaves.

Everything the mock advertises in /ServiceProviderConfig is derived from :class:`MockConfig`, so
what is advertised is exactly what is implemented (RFC 7643 §5).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

PATCH_RESPONSE_MODES = ("resource", "no-content")
#: How a 400 whose scimType no RFC section fixes is labelled (see ``unfixed_scim_type``).
UNFIXED_SCIM_TYPE_MODES = ("exact", "other", "omit")
#: How a ``filter`` on a discovery endpoint is answered (see ``discovery_filter``).
DISCOVERY_FILTER_MODES = ("forbid", "reject", "ignore")
ETAG_STRENGTHS = ("weak", "strong")
#: Client dialects the mock can accept beyond the RFC (``MockConfig.compat``, scim_mock.compat).
COMPAT_DIALECTS = ("okta", "entra")
#: Real-world provider behaviours the mock can take on (``MockConfig.personas``; documented,
#: parsed and applied by scim_mock.personas). Some take an argument: ``page-cap:10``.
PERSONAS = (
    "patch-204", "put-only", "no-filter", "case-sensitive-username", "page-cap",
    "eventual-consistency", "soft-delete", "lenient-members", "rate-limit", "okta", "entra",
)  # fmt: skip
_OFFSET = re.compile(r"[+-](0\d|1[0-4]):[0-5]\d")


@dataclass(frozen=True)
class FaultSettings:
    """Injected transport faults for client testing (never applied unless configured).

    ``latency_ms`` delays every SCIM response; ``rate_limit_every`` answers every Nth request
    with 429 and ``Retry-After: retry_after`` seconds; ``error_every`` answers every Nth request
    with ``error_status`` (a 5xx). Writes answered with a fault are not performed.
    ``rules`` are fault rules in their JSON form (scim_mock.fault_rules, ``--fault-rule``),
    installed at start and again by ``POST /_mock/reset``.
    """

    latency_ms: int = 0
    rate_limit_every: int = 0
    retry_after: int = 1
    error_every: int = 0
    error_status: int = 503
    rules: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class MockConfig:
    """Configuration for :func:`scim_mock.create_app` (immutable; use :meth:`replace`)."""

    base_path: str = "/scim/v2"
    token: str | None = None
    #: Bearer token of the /_mock control API; when unset, the control API takes ``token``.
    #: SCIM endpoints never accept it (unless it equals ``token``).
    admin_token: str | None = None
    #: Whether /ServiceProviderConfig, /ResourceTypes and /Schemas need the token too.
    discovery_requires_auth: bool = True
    patch_supported: bool = True
    #: "resource": PATCH answers 200 with the resource; "no-content": 204 (RFC 7644 §3.5.2).
    patch_response: str = "resource"
    bulk_supported: bool = True
    bulk_max_operations: int = 100
    bulk_max_payload_size: int = 1_048_576
    filter_supported: bool = True
    #: The most resources one list response holds (``count`` above it is capped).
    filter_max_results: int = 200
    #: Page size when the client sends no ``count``.
    default_page_size: int = 100
    sort_supported: bool = True
    etag_supported: bool = True
    change_password_supported: bool = True
    #: RFC 9865 cursor pagination (``cursor``, nextCursor/previousCursor) and the
    #: ServiceProviderConfig ``pagination`` object; off is a legal variant (index paging only).
    cursor_pagination: bool = True
    #: The least number of seconds a cursor stays valid (advertised as ``cursorTimeout``).
    cursor_timeout: int = 3600
    #: Key of the cursors' HMAC; empty: derived from ``token``, so that every worker over one
    #: backend reads the cursors the others issued.
    cursor_secret: str = ""
    #: Largest request body accepted outside /Bulk, in bytes.
    max_request_size: int = 1_048_576
    documentation_uri: str = "https://scim-conformance.invalid/docs/mock"
    transport_faults: FaultSettings = field(default_factory=FaultSettings)
    #: Keep a log of the requests clients send (served at /_mock/requests).
    record_requests: bool = True
    #: How many exchanges the request journal keeps (oldest dropped first; scim_mock.journal).
    journal_size: int = 1000
    #: Expose the /_mock control endpoints (reset, request log, client diagnostics).
    control_endpoints: bool = True
    #: Serve isolated mocks at /tenants/<name>/... (created on first use, at most this many;
    #: 0 turns tenants off).
    max_tenants: int = 200
    #: Keep resources in this SQLite database file (scim_mock.store_sqlite) instead of in
    #: memory: every write is committed before it is answered, a restart keeps everything.
    #: Tenants get a file of their own beside it (``PATH.tenants/NAME.sqlite``).
    db_path: str | None = None
    #: Keep resources in this PostgreSQL database (``postgresql://...``, scim_mock.store_postgres)
    #: instead: several mock processes, on one host or several, share it consistently. Tenants
    #: get a schema of their own. Takes precedence over ``db_path``.
    database_url: str | None = None

    # -- legal variants (scim_mock.variants): behaviour the RFCs allow and real providers
    # show; each is off by default, so the strict mock stays as it is.

    #: Publish a vendor extension for Users and Groups (required=false) and return its
    #: readOnly values in every representation, its URN in ``schemas`` (RFC 7643 §3.3, §6).
    vendor_extension: bool = False
    #: Shuffle the members of every JSON object, ``schemas`` and multi-valued attribute values
    #: (unordered, RFC 7643 §2.4), with ``shuffle_seed``; list results keep their order.
    shuffle_order: bool = False
    shuffle_seed: int = 7
    #: Render dateTime values in this UTC offset (e.g. "+02:00") with seven fractional digits
    #: instead of "Z" and milliseconds; xsd:dateTime allows both (RFC 7643 §2.3.5).
    datetime_offset: str = ""
    #: Send ``Content-Type: application/scim+json; charset=utf-8`` (RFC 7644 §8.1).
    content_type_charset: bool = False
    #: Return unassigned attributes as null and empty multi-valued ones as [] (RFC 7643 §2.5).
    unassigned_as_null: bool = False
    #: "exact": the RFC 7644 §3.12 keyword everywhere; "other": a 400 whose keyword no RFC
    #: section fixes (invalidSyntax, invalidValue) carries the other one; "omit": none.
    unfixed_scim_type: str = "exact"
    #: Leave ``schemas`` out of the resources of a query's ListResponse (RFC 7644 §3.4.2).
    list_member_schemas: bool = True
    #: A ``filter`` on a discovery endpoint: "forbid" (403), "reject" (400 invalidFilter) or
    #: "ignore" (the whole document); RFC 7644 §4 says both ignore and 403 (P-4-07, P-4-08).
    discovery_filter: str = "forbid"
    #: Entity tags as weak (W/"3") or strong ("3") validators (RFC 7644 §3.14, RFC 7232).
    etag_strength: str = "weak"

    # -- client dialects (scim_mock.compat): off by default, so strict stays strict.

    #: Accept what these provisioning clients send that the RFCs do not allow (capitalised
    #: PATCH ops, "False" strings, pathless dotted keys...); every accepted deviation is
    #: counted and shown in the journal (/_mock/requests, /_mock/compat).
    compat: tuple[str, ...] = ()

    # -- personas (scim_mock.personas): off by default, so strict stays strict.

    #: Behave as real providers do, e.g. ("patch-204", "page-cap:10"); some deviate from the
    #: RFCs on purpose (documented per persona), for client authors to test against.
    personas: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.base_path.startswith("/") and self.base_path != "":
            raise ValueError("base_path must start with '/'")
        if self.patch_response not in PATCH_RESPONSE_MODES:
            raise ValueError(f"patch_response must be one of {PATCH_RESPONSE_MODES}")
        if self.default_page_size < 0 or self.filter_max_results < 1:
            raise ValueError("page sizes must be positive")
        if self.cursor_timeout < 1:
            raise ValueError("cursor_timeout must be a positive number of seconds")
        for name, allowed in (
            ("unfixed_scim_type", UNFIXED_SCIM_TYPE_MODES),
            ("discovery_filter", DISCOVERY_FILTER_MODES),
            ("etag_strength", ETAG_STRENGTHS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}")
        unknown = [d for d in self.compat if d not in COMPAT_DIALECTS]
        if unknown:
            raise ValueError(f"compat dialects must be among {COMPAT_DIALECTS}, got {unknown}")
        if self.max_tenants < 0:
            raise ValueError("max_tenants must be 0 (no tenants) or more")
        unknown = [p for p in self.personas if p.partition(":")[0].strip().lower() not in PERSONAS]
        if unknown:
            raise ValueError(f"personas must be among {PERSONAS}, got {unknown}")
        if self.datetime_offset and not _OFFSET.fullmatch(self.datetime_offset):
            raise ValueError("datetime_offset must be empty or like +02:00")

    def replace(self, **changes: Any) -> MockConfig:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)

    def with_options(self, options: Iterable[tuple[str, str]]) -> MockConfig:
        """A copy with ``KEY=VALUE`` settings from a command line applied.

        Values are read as the field's type ("true"/"false" for flags); ``token``,
        ``admin_token`` and ``transport_faults`` have flags of their own. ValueError names an
        unknown field.
        """
        own_flags = {"token", "admin_token", "transport_faults"}
        fields = {f.name for f in dataclasses.fields(self)} - own_flags
        changes: dict[str, Any] = {}
        for key, raw in options:
            if key not in fields:
                raise ValueError(f"unknown MockConfig option {key!r}")
            changes[key] = coerce(getattr(self, key), raw)
        return self.replace(**changes)

    @property
    def normalized_base_path(self) -> str:
        """The base path without a trailing slash ("" for the root)."""
        return self.base_path.rstrip("/")


def coerce(current: Any, raw: str) -> Any:
    """``raw`` read as the type of ``current`` (a flag, a number or text)."""
    if isinstance(current, bool):
        lowered = raw.strip().lower()
        if lowered not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(f"{raw!r} is not true or false")
        return lowered in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, tuple):  # names, comma-separated: compat, personas
        return tuple(n.strip() for n in raw.split(",") if n.strip())
    return raw
