"""What the resource-endpoint tests (``test_views_<operation>.py``) share: the base of
``meta.location`` in the test client, and shorthands for ListResponse ids and POST /.search.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import BASE, SEARCH_REQUEST, Scim

LOCATION_PREFIX = f"http://localhost{BASE}"


def ids(body: dict[str, Any]) -> list[str]:
    return [r["id"] for r in body["Resources"]]


def search(scim: Scim, path: str = "/Users/.search", /, **fields: Any) -> Any:
    return scim.post(path, {"schemas": [SEARCH_REQUEST], **fields})
