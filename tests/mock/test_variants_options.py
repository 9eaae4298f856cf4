"""The legal variants of the mock (scim_mock.variants): each option does what its doc says,
and nothing of it leaks into the strict default."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest

from scim_mock.config import MockConfig, coerce
from scim_mock.variants import VENDOR_GROUP, VENDOR_USER
from tests.conftest import (
    BULK_REQUEST,
    ENTERPRISE_SCHEMA,
    ERROR_SCHEMA,
    LIST_RESPONSE,
    USER_SCHEMA,
    Scim,
    make_scim,
)


def _json(response: Any) -> Any:
    return json.loads(response.get_data(as_text=True))


# -- options ---------------------------------------------------------------------------------


def test_with_options_reads_each_field_as_its_type() -> None:
    config = MockConfig().with_options(
        [("vendor_extension", "true"), ("shuffle_seed", "3"), ("datetime_offset", "+02:00")]
    )
    assert (config.vendor_extension, config.shuffle_seed, config.datetime_offset) == (
        True,
        3,
        "+02:00",
    )


@pytest.mark.parametrize(
    "option",
    [
        ("no_such_option", "1"),
        ("token", "secret"),
        ("unfixed_scim_type", "sometimes"),
        ("discovery_filter", "maybe"),
        ("etag_strength", "medium"),
        ("datetime_offset", "CET"),
        ("vendor_extension", "perhaps"),
    ],
)
def test_with_options_refuses_what_it_cannot_apply(option: tuple[str, str]) -> None:
    with pytest.raises(ValueError):
        MockConfig().with_options([option])


def test_coerce_follows_the_current_type() -> None:
    assert coerce(False, "on") is True and coerce(True, "0") is False
    assert coerce(5, "12") == 12 and coerce("a", "b") == "b"


def test_the_strict_default_shows_none_of_the_variants() -> None:
    scim = make_scim()
    user = scim.create_user("strict", emails=[{"value": "s@example.com"}])
    response = scim.get(f"/Users/{user['id']}")
    body = _json(response)
    assert response.headers["Content-Type"] == "application/scim+json"
    assert response.headers["ETag"].startswith('W/"')
    assert body["meta"]["created"].endswith("Z") and None not in body.values()
    assert body["schemas"] == [USER_SCHEMA] and list(body)[:2] == ["schemas", "id"]
    listed = _json(scim.get("/Users"))["Resources"][0]
    assert listed["schemas"] == [USER_SCHEMA]
    schemas = [s["id"] for s in _json(scim.get("/Schemas"))["Resources"]]
    assert VENDOR_USER not in schemas


# -- vendor extension ------------------------------------------------------------------------


@pytest.fixture
def vendor() -> Scim:
    return make_scim(vendor_extension=True)


def test_vendor_extension_is_published(vendor: Scim) -> None:
    schemas = {s["id"]: s for s in _json(vendor.get("/Schemas"))["Resources"]}
    assert {VENDOR_USER, VENDOR_GROUP} <= set(schemas)
    assert all(a["mutability"] == "readOnly" for a in schemas[VENDOR_USER]["attributes"])
    types = {t["name"]: t for t in _json(vendor.get("/ResourceTypes"))["Resources"]}
    assert {"schema": VENDOR_USER, "required": False} in types["User"]["schemaExtensions"]
    assert {"schema": ENTERPRISE_SCHEMA, "required": False} in types["User"]["schemaExtensions"]
    assert types["Group"]["schemaExtensions"] == [{"schema": VENDOR_GROUP, "required": False}]


def test_every_representation_carries_the_vendor_values(vendor: Scim) -> None:
    user = vendor.create_user("vendor")
    group = vendor.create_group("Vendors")
    assert user[VENDOR_USER]["tenant"] and user[VENDOR_USER]["lastSyncedAt"]
    assert user["schemas"] == [USER_SCHEMA, VENDOR_USER]
    assert VENDOR_GROUP in group["schemas"] and group[VENDOR_GROUP]["provisioningSource"]
    for path in (f"/Users/{user['id']}", "/Users", "/Groups"):
        body = _json(vendor.get(path))
        shown = body["Resources"][0] if "Resources" in body else body
        assert any(key.startswith("urn:ietf:params:scim:schemas:extension:acme") for key in shown)


def test_vendor_values_follow_projection_and_survive_a_put(vendor: Scim) -> None:
    user = vendor.create_user("projected")
    only = _json(vendor.get(f"/Users/{user['id']}", query={"attributes": "userName"}))
    assert VENDOR_USER not in only and only["schemas"] == [USER_SCHEMA]
    excluded = _json(vendor.get(f"/Users/{user['id']}", query={"excludedAttributes": VENDOR_USER}))
    assert VENDOR_USER not in excluded
    # A client that sends back what it read: the readOnly values are ignored, not refused.
    body = {k: v for k, v in user.items() if k not in ("id", "meta", "groups")}
    assert vendor.put(f"/Users/{user['id']}", body).status_code == 200


# -- unassigned as null ----------------------------------------------------------------------


def test_unassigned_attributes_are_null_or_empty() -> None:
    scim = make_scim(unassigned_as_null=True)
    user = scim.create_user("nulls", emails=[{"value": "n@example.com"}])
    assert user["nickName"] is None and user["externalId"] is None
    assert user["phoneNumbers"] == [] and user["groups"] == []
    assert user["emails"][0]["type"] is None and user["emails"][0]["value"] == "n@example.com"
    assert user["password"] is None  # returned=never: written as "no value"
    only = _json(scim.get(f"/Users/{user['id']}", query={"attributes": "userName"}))
    assert only["userName"] == "nulls" and only["emails"] == [] and only["title"] is None
    group = scim.create_group("Empty")
    assert group["members"] == []


# -- key order -------------------------------------------------------------------------------


def test_shuffled_order_keeps_values_and_list_order() -> None:
    plain, shuffled = make_scim(), make_scim(shuffle_order=True, shuffle_seed=11)
    orders = []
    for scim in (plain, shuffled):
        for name in ("c", "a", "b"):
            scim.create_user(name, emails=[{"value": f"{name}{i}@example.com"} for i in range(4)])
        body = _json(scim.get("/Users", query={"sortBy": "userName"}))
        assert [r["userName"] for r in body["Resources"]] == ["a", "b", "c"]
        orders.append([list(r) for r in body["Resources"]])
        emails = body["Resources"][0]["emails"]
        assert sorted(e["value"] for e in emails) == [f"a{i}@example.com" for i in range(4)]
    assert orders[0] != orders[1]


def _shape(value: Any) -> Any:
    """The key order of every object (values aside: timestamps differ between apps)."""
    if isinstance(value, dict):
        return [(k, _shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return None


def test_shuffling_is_seeded() -> None:
    shapes = []
    for _ in range(2):
        scim = make_scim(shuffle_order=True, shuffle_seed=5)
        scim.create_user("seeded")
        shapes.append(_shape(_json(scim.get("/ServiceProviderConfig"))))
    assert shapes[0] == shapes[1]


# -- dateTimes, charset, ETags ---------------------------------------------------------------


def test_datetimes_carry_the_offset_and_the_same_instant() -> None:
    scim = make_scim(datetime_offset="+02:00")
    user = scim.create_user("offset")
    created = user["meta"]["created"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+02:00", created)
    strict = make_scim().create_user("utc")["meta"]["created"]
    gap = datetime.fromisoformat(created) - datetime.fromisoformat(strict.replace("Z", "+00:00"))
    assert abs(gap.total_seconds()) < 60
    spc = _json(scim.get("/ServiceProviderConfig"))
    assert spc["meta"]["lastModified"].endswith("+02:00")
    # The rendered value is usable in a filter: it names the same instant.
    query = {"filter": f'meta.created eq "{created}"'}
    assert _json(scim.get("/Users", query=query))["totalResults"] == 1


def test_charset_parameter_on_scim_responses() -> None:
    scim = make_scim(content_type_charset=True)
    assert scim.get("/Users").headers["Content-Type"] == "application/scim+json; charset=utf-8"
    error = scim.get("/Users/nope")
    assert error.headers["Content-Type"] == "application/scim+json; charset=utf-8"


def test_strong_etags_are_used_and_matched() -> None:
    scim = make_scim(etag_strength="strong")
    user = scim.create_user("strong")
    response = scim.get(f"/Users/{user['id']}")
    tag = response.headers["ETag"]
    assert not tag.startswith("W/") and _json(response)["meta"]["version"] == tag
    assert scim.get(f"/Users/{user['id']}", headers={"If-None-Match": tag}).status_code == 304


# -- errors, lists, discovery ----------------------------------------------------------------


@pytest.mark.parametrize(("mode", "expected"), [("other", "invalidSyntax"), ("omit", None)])
def test_unfixed_keywords_are_relabelled(mode: str, expected: str | None) -> None:
    scim = make_scim(unfixed_scim_type=mode)
    missing = _json(scim.post("/Users", {"schemas": [USER_SCHEMA]}))
    assert missing.get("scimType") == expected and missing["status"] == "400"
    # invalidFilter is fixed by RFC 7644 §3.4.2.2: never relabelled.
    assert _json(scim.get("/Users", query={"filter": "userName eq"}))["scimType"] == (
        "invalidFilter"
    )
    bulk = {
        "schemas": [BULK_REQUEST],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "b1", "data": {"schemas": [USER_SCHEMA]}}
        ],
    }
    result = _json(scim.post("/Bulk", bulk))["Operations"][0]["response"]
    assert ERROR_SCHEMA in result["schemas"] and result.get("scimType") == expected


def test_list_members_without_schemas() -> None:
    scim = make_scim(list_member_schemas=False)
    user = scim.create_user("bare")
    listed = _json(scim.get("/Users"))
    assert listed["schemas"] == [LIST_RESPONSE] and "schemas" not in listed["Resources"][0]
    assert _json(scim.get(f"/Users/{user['id']}"))["schemas"] == [USER_SCHEMA]
    assert all("schemas" in r for r in _json(scim.get("/Schemas"))["Resources"])


@pytest.mark.parametrize(("mode", "status"), [("forbid", 403), ("reject", 400), ("ignore", 200)])
def test_discovery_filter_modes(mode: str, status: int) -> None:
    scim = make_scim(discovery_filter=mode)
    response = scim.get("/ResourceTypes", query={"filter": 'name eq "User"'})
    assert response.status_code == status
    if status == 200:
        assert _json(response)["totalResults"] == 2
