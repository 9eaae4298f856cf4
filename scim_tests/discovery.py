"""What a provider advertises at /ServiceProviderConfig (RFC 7643 §5; RFC 7644 §4).

Shared by the plugin (the report header), the feature gate in :mod:`scim_tests.fixtures` and
the checks that adapt to the features a provider offers. It imports nothing heavy: the plugin
loads in every pytest run of the environment.
"""

from __future__ import annotations

from typing import Any

import requests

from scim_tests.target import ScimTarget

FEATURE_NAMES = ("patch", "bulk", "filter", "changePassword", "sort", "etag")
#: A /ServiceProviderConfig document, or None when the provider gave no usable one.
Spc = dict[str, Any] | None


def fetch_service_provider_config(target: ScimTarget) -> dict[str, Any] | None:
    """GET /ServiceProviderConfig once (None when the provider gives no usable document)."""
    try:
        with target.mount(requests.Session()) as session:
            response = session.get(
                target.url + "/ServiceProviderConfig",
                headers={"Accept": "application/scim+json", **target.settings.auth_headers},
                timeout=target.settings.timeout,
            )
        body = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None
    return body if isinstance(body, dict) else None


def feature_supported(spc: dict[str, Any] | None, name: str) -> bool | None:
    """``<name>.supported`` from the document (names case-insensitive); None if unknown."""
    if not isinstance(spc, dict):
        return None
    for key, value in spc.items():
        if key.lower() == name.lower() and isinstance(value, dict):
            for sub, flag in value.items():
                if sub.lower() == "supported" and isinstance(flag, bool):
                    return flag
    return None


def describe_features(spc: dict[str, Any] | None) -> str:
    """``patch=yes bulk=no filter=yes(max 200) …`` for the report header."""
    if spc is None:
        return "ServiceProviderConfig unavailable (features untested until checks run)"
    parts = []
    for name in FEATURE_NAMES:
        flag = feature_supported(spc, name)
        text = {True: "yes", False: "no", None: "?"}[flag]
        if name == "filter" and flag:
            text += f"(max {spc.get('filter', {}).get('maxResults', '?')})"
        if name == "bulk" and flag:
            bulk = spc.get("bulk", {})
            text += (
                f"(ops {bulk.get('maxOperations', '?')}, bytes {bulk.get('maxPayloadSize', '?')})"
            )
        parts.append(f"{name}={text}")
    return " ".join(parts)


def max_results(spc: Spc) -> int | None:
    """filter.maxResults from /ServiceProviderConfig, if advertised."""
    value = ((spc or {}).get("filter") or {}).get("maxResults")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
