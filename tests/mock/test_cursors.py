"""RFC 9865 cursor pagination in the mock (scim_mock/cursors.py, over Flask's test client)."""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.clock import MockClock
from scim_mock.config import MockConfig
from scim_mock.views.discovery import service_provider_config
from tests.conftest import Scim, make_scim

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _users(scim: Scim, n: int) -> list[str]:
    return [scim.create_user(f"cursor{i:03}")["id"] for i in range(n)]


def _page(scim: Scim, cursor: str, count: int = 3, **params: Any) -> dict[str, Any]:
    response = scim.get("/Users", query={"cursor": cursor, "count": count, **params})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def _walk(scim: Scim, count: int = 3) -> list[str]:
    seen: list[str] = []
    cursor = ""
    for _ in range(100):
        body = _page(scim, cursor, count)
        seen += [r["id"] for r in body["Resources"]]
        if "nextCursor" not in body:
            return seen
        cursor = body["nextCursor"]
    raise AssertionError("the cursor walk never ended")


def _error(scim: Scim, **params: Any) -> tuple[int, Any]:
    response = scim.get("/Users", query=params)
    return response.status_code, response.get_json().get("scimType")


def test_walk_returns_every_user_once_and_ends() -> None:
    scim = make_scim()
    ids = _users(scim, 10)
    assert _walk(scim) == ids


def test_first_page_shape() -> None:
    scim = make_scim()
    _users(scim, 4)
    body = _page(scim, "", 3)
    assert body["totalResults"] == 4 and body["itemsPerPage"] == 3
    assert "startIndex" not in body and "previousCursor" not in body
    assert set(body["nextCursor"]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )


def test_previous_cursor_returns_the_previous_page() -> None:
    scim = make_scim()
    _users(scim, 7)
    first = _page(scim, "")
    second = _page(scim, first["nextCursor"])
    back = _page(scim, second["previousCursor"])
    assert [r["id"] for r in back["Resources"]] == [r["id"] for r in first["Resources"]]


def test_inserts_and_deletes_during_the_walk_do_not_shift_pages() -> None:
    scim = make_scim()
    ids = _users(scim, 6)
    first = _page(scim, "")
    scim.create_user("late-arrival")
    scim.delete(f"/Users/{ids[0]}")
    second = _page(scim, first["nextCursor"])
    assert [r["id"] for r in second["Resources"]] == ids[3:6]


@pytest.mark.parametrize("cursor", ["abc", "bm9wZQ.AAAA", "x" * 40])
def test_forged_cursor_is_invalid_cursor(cursor: str) -> None:
    scim = make_scim()
    _users(scim, 4)
    assert _error(scim, cursor=cursor, count=3) == (400, "invalidCursor")


def test_tampered_cursor_is_invalid_cursor() -> None:
    scim = make_scim()
    _users(scim, 4)
    cursor = _page(scim, "")["nextCursor"]
    body, _, mac = cursor.partition(".")
    tampered = ("A" if body[0] != "A" else "B") + body[1:] + "." + mac
    assert _error(scim, cursor=tampered, count=3) == (400, "invalidCursor")


def test_cursor_of_another_query_is_invalid_cursor() -> None:
    scim = make_scim()
    _users(scim, 4)
    cursor = _page(scim, "")["nextCursor"]
    assert _error(scim, cursor=cursor, count=3, filter='userName sw "c"') == (400, "invalidCursor")


def test_expired_cursor() -> None:
    scim = make_scim(cursor_timeout=60)
    _users(scim, 4)
    clock: MockClock = scim.client.application.extensions["scim_mock"].extras["clock"]
    clock.freeze()
    cursor = _page(scim, "")["nextCursor"]
    clock.advance(59)
    assert _page(scim, cursor)["Resources"]
    clock.advance(2)
    assert _error(scim, cursor=cursor, count=3) == (400, "expiredCursor")


@pytest.mark.parametrize("count", ["ten", "1.5", ""])
def test_unreadable_count_is_invalid_count(count: str) -> None:
    scim = make_scim()
    assert _error(scim, cursor="", count=count) == (400, "invalidCount")


def test_changed_count_is_invalid_count() -> None:
    scim = make_scim()
    _users(scim, 4)
    cursor = _page(scim, "", 2)["nextCursor"]
    assert _error(scim, cursor=cursor, count=3) == (400, "invalidCount")


def test_count_zero_and_cap() -> None:
    scim = make_scim(filter_max_results=2)
    _users(scim, 4)
    empty = _page(scim, "", 0)
    assert empty["Resources"] == [] and empty["totalResults"] == 4 and "nextCursor" not in empty
    assert len(_page(scim, "", 50)["Resources"]) == 2


def test_cursor_and_start_index_together_are_refused() -> None:
    scim = make_scim()
    assert _error(scim, cursor="", startIndex=1)[0] == 400


def test_search_body_cursor() -> None:
    scim = make_scim()
    ids = _users(scim, 5)
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        body = {"schemas": [SEARCH], "cursor": cursor, "count": 2}
        page = scim.post("/Users/.search", body).get_json()
        seen += [r["id"] for r in page["Resources"]]
        if "nextCursor" not in page:
            break
        cursor = page["nextCursor"]
    assert seen == ids
    bad = scim.post("/Users/.search", {"schemas": [SEARCH], "cursor": 3}).get_json()
    assert bad["scimType"] == "invalidCursor"


def test_index_paging_is_unchanged() -> None:
    scim = make_scim()
    _users(scim, 3)
    body = scim.get("/Users", query={"startIndex": 2, "count": 1}).get_json()
    assert body["startIndex"] == 2 and "nextCursor" not in body


def test_service_provider_config_pagination() -> None:
    document = service_provider_config(MockConfig(default_page_size=50, filter_max_results=80))
    assert document["pagination"] == {
        "cursor": True,
        "index": True,
        "defaultPaginationMethod": "index",
        "defaultPageSize": 50,
        "maxPageSize": 80,
        "cursorTimeout": 3600,
    }


def test_variant_without_cursor_pagination() -> None:
    scim = make_scim(cursor_pagination=False)
    _users(scim, 3)
    assert "pagination" not in scim.get("/ServiceProviderConfig").get_json()
    body = _page(scim, "", 2)  # the unknown parameter is ignored: an index page
    assert body["startIndex"] == 1 and "nextCursor" not in body
    refused = scim.post("/Users/.search", {"schemas": [SEARCH], "cursor": ""})
    assert refused.status_code == 400
