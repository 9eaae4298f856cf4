"""Mock configuration: what the provider advertises and how it behaves.

Everything the mock advertises in /ServiceProviderConfig is derived from :class:`MockConfig`, so
what is advertised is exactly what is implemented (RFC 7643 §5).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

PATCH_RESPONSE_MODES = ("resource", "no-content")


@dataclass(frozen=True)
class FaultSettings:
    """Injected transport faults for client testing (never applied unless configured).

    ``latency_ms`` delays every SCIM response; ``rate_limit_every`` answers every Nth request
    with 429 and ``Retry-After: retry_after`` seconds; ``error_every`` answers every Nth request
    with ``error_status`` (a 5xx). Writes answered with a fault are not performed.
    """

    latency_ms: int = 0
    rate_limit_every: int = 0
    retry_after: int = 1
    error_every: int = 0
    error_status: int = 503


@dataclass(frozen=True)
class MockConfig:
    """Configuration for :func:`scim_mock.create_app` (immutable; use :meth:`replace`)."""

    base_path: str = "/scim/v2"
    token: str | None = None
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
    #: Largest request body accepted outside /Bulk, in bytes.
    max_request_size: int = 1_048_576
    documentation_uri: str = "https://scim-conformance.invalid/docs/mock"
    transport_faults: FaultSettings = field(default_factory=FaultSettings)
    #: Keep a log of the requests clients send (served at /_mock/requests).
    record_requests: bool = True
    #: Expose the /_mock control endpoints (reset, request log, client diagnostics).
    control_endpoints: bool = True

    def __post_init__(self) -> None:
        if not self.base_path.startswith("/") and self.base_path != "":
            raise ValueError("base_path must start with '/'")
        if self.patch_response not in PATCH_RESPONSE_MODES:
            raise ValueError(f"patch_response must be one of {PATCH_RESPONSE_MODES}")
        if self.default_page_size < 0 or self.filter_max_results < 1:
            raise ValueError("page sizes must be positive")

    def replace(self, **changes: Any) -> MockConfig:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)

    @property
    def normalized_base_path(self) -> str:
        """The base path without a trailing slash ("" for the root)."""
        return self.base_path.rstrip("/")
