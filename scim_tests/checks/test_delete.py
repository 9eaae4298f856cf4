"""Deleting resources (RFC 7644 §3.6): 204, then gone everywhere, userName reusable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scim_tests.asserts import assert_list_response, assert_scim_error, assert_status, check
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc, feature_supported
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.query import ids_of, pages


@requirement("P-3.6-05", "P-3.6-02")
def test_delete_returns_204_and_resource_is_gone(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """A successful DELETE answers 204; the resource then answers 404 (P-3.6-05, P-3.6-02)."""
    response = scim_client.delete(f"/Users/{new_user['id']}")
    assert_status(response, 204, requirement="P-3.6-05")
    assert_scim_error(scim_client.get(f"/Users/{new_user['id']}"), 404, requirement="P-3.6-02")


@requirement("P-3.6-04")
def test_deleted_user_name_can_be_reused(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> None:
    """After a DELETE the userName is free again (P-3.6-04)."""
    body = user_payload()
    first = create(scim_client, "/Users", body)
    assert_status(scim_client.delete(f"/Users/{first['id']}"), 204)
    again = scim_client.post("/Users", body)
    assert_status(again, 201, requirement="P-3.6-04")
    check(again.json().get("id") != first["id"], "The deleted id was handed out again",
          expected="a new id", received=again.json().get("id"), response=again,
          requirement="C-3.1-06")  # fmt: skip


@requirement("P-3.6-03")
def test_deleted_user_is_gone_from_queries(
    scim_client: ScimClient, new_user: dict[str, Any], service_provider_config: Spc
) -> None:
    """No page of the unfiltered GET /Users listing holds a deleted user's id, and (with the
    filter feature) it no longer matches a userName filter (P-3.6-03: gone from every query,
    not only from filters)."""
    assert_status(scim_client.delete(f"/Users/{new_user['id']}"), 204)
    listed: list[ScimResponse] = []

    def fetch(start: int) -> tuple[dict[str, Any], ScimResponse]:
        # Pages are followed by startIndex: a provider may return fewer than count asked for.
        page = scim_client.get("/Users", params={"startIndex": str(start), "count": "100"})
        body = assert_list_response(page, requirement="P-3.6-03")
        if str(new_user["id"]) in ids_of(body):
            listed.append(page)
        return body, page

    pages(fetch)
    check(not listed, "A deleted user still appears in the unfiltered listing",
          expected="its id on no page of GET /Users", received=f"id {new_user['id']} listed",
          response=listed[0] if listed else None, requirement="P-3.6-03")  # fmt: skip
    if feature_supported(service_provider_config, "filter") is False:
        return
    response = scim_client.get("/Users", params={"filter": f'userName eq "{new_user["userName"]}"'})
    body = assert_list_response(response, requirement="P-3.6-03")
    check(body["totalResults"] == 0, "A deleted user still matches a filter",
          expected="totalResults 0", received=body["totalResults"], response=response,
          requirement="P-3.6-03")  # fmt: skip
