"""Retrieving resources over HTTP (RFC 7644 §3.4.1): 404 for unknown ids, ids scoped to their
resource type, and attributes/excludedAttributes projection on every response (§3.9).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PATCH_OP, USER_SCHEMA, Scim, assert_scim_error
from tests.mock.resource_views import search


def test_get_unknown_id_is_a_scim_404(scim: Scim) -> None:
    """GET of an unknown id → 404 SCIM Error (P-3.12-10)."""
    assert_scim_error(scim.get("/Users/00000000-0000-0000-0000-000000000000"), 404)


def test_ids_are_not_shared_across_resource_types(scim: Scim) -> None:
    """A User id under /Groups (and vice versa) → 404 (C-3.1-05)."""
    user = scim.create_user()
    group = scim.create_group()
    assert user["id"] != group["id"]
    for method in ("GET", "DELETE"):
        assert_scim_error(scim.request(method, f"/Groups/{user['id']}"), 404)
        assert_scim_error(scim.request(method, f"/Users/{group['id']}"), 404)
    assert scim.get(f"/Users/{user['id']}").status_code == 200


@pytest.mark.parametrize(
    "query, present, absent",
    [
        ({"attributes": "userName"}, {"id", "userName", "schemas"}, {"displayName", "meta"}),
        ({"attributes": "name.givenName"}, {"id", "name"}, {"userName"}),
        ({"excludedAttributes": "displayName"}, {"id", "userName", "meta"}, {"displayName"}),
        ({"excludedAttributes": "id"}, {"id", "userName"}, set()),
        ({"attributes": f"{USER_SCHEMA}:userName"}, {"id", "userName"}, {"displayName"}),
    ],
)
def test_attributes_and_excluded_attributes_shape_every_response(
    scim: Scim, query: dict[str, str], present: set[str], absent: set[str]
) -> None:
    """attributes/excludedAttributes apply to GET, list, POST, PUT, PATCH and /.search
    (P-3.4.2.5-01, P-3.9-01, C-3.1-09)."""
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "a",
        "displayName": "A",
        "name": {"givenName": "G", "familyName": "F"},
    }
    created = scim.post("/Users", body, query=query)
    assert created.status_code == 201
    path = f"/Users/{created.get_json()['id']}"
    shown = [
        created.get_json(),
        scim.get(path, query=query).get_json(),
        scim.get("/Users", query=query).get_json()["Resources"][0],
        scim.put(path, body, query=query).get_json(),
        scim.patch_ops(
            path, {"op": "replace", "path": "displayName", "value": "B"}, query=query
        ).get_json(),
        search(scim, **{k: [v] for k, v in query.items()}).get_json()["Resources"][0],
        scim.get("/", query=query).get_json()["Resources"][0],
    ]
    for representation in shown:
        assert present <= set(representation), representation
        assert not absent & set(representation), representation
    if query == {"attributes": "name.givenName"}:
        assert shown[1]["name"] == {"givenName": "G"}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_bad_projection_parameter_refuses_the_write_before_performing_it(
    scim: Scim, method: str
) -> None:
    """attributes+excludedAttributes together → 400 and the write does not happen (RFC 7644
    §3.9)."""
    user = scim.create_user("a")
    query = {"attributes": "userName", "excludedAttributes": "displayName"}
    body: Any = {"schemas": [USER_SCHEMA], "userName": "changed"}
    path = f"/Users/{user['id']}"
    if method == "POST":
        path = "/Users"
    if method == "PATCH":
        body = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "userName", "value": "changed"}],
        }
    assert_scim_error(scim.request(method, path, body, query=query), 400, "invalidValue")
    listed = scim.get("/Users").get_json()
    assert [r["userName"] for r in listed["Resources"]] == ["a"]


def test_projection_applies_to_server_added_locations(scim: Any) -> None:
    """attributes=meta.created returns meta with created only, not the location (P-3.9-04)."""
    created = scim.create_user("located")
    query = {"attributes": "meta.created"}
    body = scim.get(f"/Users/{created['id']}", query=query).get_json()
    assert set(body["meta"]) == {"created"}
    listed = scim.get("/Users", query=query).get_json()["Resources"][0]
    assert set(listed["meta"]) == {"created"}
