"""Versioning over HTTP (RFC 7644 §3.14): ETag, If-Match and If-None-Match.

Weak ETags equal meta.version; a stale If-Match refuses the write with 412 and changes nothing;
If-None-Match with the current tag on GET answers 304 with an empty body.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, Scim, assert_scim_error


def etag(scim: Scim, path: str) -> str:
    response = scim.get(path)
    assert response.status_code == 200
    tag: str = response.headers["ETag"]
    assert tag == response.get_json()["meta"]["version"]
    return tag


@pytest.fixture
def user(scim: Scim) -> dict[str, Any]:
    return scim.create_user("bjensen", displayName="B")


def _write(scim: Scim, method: str, path: str, headers: dict[str, str]) -> Any:
    if method == "PUT":
        return scim.put(path, {"schemas": [USER_SCHEMA], "userName": "changed"}, headers=headers)
    if method == "PATCH":
        op = {"op": "replace", "path": "userName", "value": "changed"}
        return scim.patch_ops(path, op, headers=headers)
    return scim.delete(path, headers=headers)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("stale", ['W/"999999"', '"999999"', 'W/"0", W/"1000"', ""])
def test_stale_if_match_is_412_and_changes_nothing(
    scim: Scim, user: dict[str, Any], method: str, stale: str
) -> None:
    """If-Match without the current version → 412 on PUT/PATCH/DELETE, resource untouched
    (P-3.14-05, P-3.12-12)."""
    path = f"/Users/{user['id']}"
    assert_scim_error(_write(scim, method, path, {"If-Match": stale}), 412)
    assert scim.get(path).get_json() == user


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("form", ["exact", "strong", "star", "list"])
def test_current_if_match_succeeds(
    scim: Scim, user: dict[str, Any], method: str, form: str
) -> None:
    """If-Match with the current tag (weakly compared, in a list, or *) succeeds (P-3.14-05)."""
    path = f"/Users/{user['id']}"
    current = etag(scim, path)
    header = {
        "exact": current,
        "strong": current.removeprefix("W/"),
        "star": "*",
        "list": f'W/"0", {current}',
    }[form]
    response = _write(scim, method, path, {"If-Match": header})
    assert response.status_code == (204 if method == "DELETE" else 200)


def test_if_none_match_current_on_get_is_304_with_empty_body(
    scim: Scim, user: dict[str, Any]
) -> None:
    """GET with If-None-Match: <current> → 304, no body, ETag repeated (P-3.14-04)."""
    path = f"/Users/{user['id']}"
    current = etag(scim, path)
    for header in (current, "*", f'W/"0", {current}'):
        response = scim.get(path, headers={"If-None-Match": header})
        assert response.status_code == 304
        assert response.get_data() == b""
        assert response.headers["ETag"] == current


def test_if_none_match_stale_on_get_is_200(scim: Scim, user: dict[str, Any]) -> None:
    """GET with an old If-None-Match → 200 with the resource (P-3.14-04)."""
    path = f"/Users/{user['id']}"
    response = scim.get(path, headers={"If-None-Match": 'W/"0"'})
    assert response.status_code == 200
    assert response.get_json()["id"] == user["id"]


def test_if_match_on_get(scim: Scim, user: dict[str, Any]) -> None:
    """GET with a stale If-Match → 412; with the current one → 200 (RFC 7232 §3.1)."""
    path = f"/Users/{user['id']}"
    assert_scim_error(scim.get(path, headers={"If-Match": 'W/"0"'}), 412)
    assert scim.get(path, headers={"If-Match": etag(scim, path)}).status_code == 200


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_if_none_match_current_on_a_write_is_412(
    scim: Scim, user: dict[str, Any], method: str
) -> None:
    """If-None-Match matching the current version on a write → 412, nothing changed
    (RFC 7232 §3.2)."""
    path = f"/Users/{user['id']}"
    assert_scim_error(_write(scim, method, path, {"If-None-Match": "*"}), 412)
    assert scim.get(path).get_json() == user


def test_preconditions_on_unknown_ids_are_404(scim: Scim) -> None:
    """A precondition on a missing resource does not hide the 404 (P-3.12-10)."""
    for method in ("PUT", "PATCH", "DELETE"):
        assert_scim_error(_write(scim, method, "/Users/nope", {"If-Match": "*"}), 404)
    assert_scim_error(scim.get("/Users/nope", headers={"If-None-Match": "*"}), 404)


def test_etag_changes_on_every_modification(scim: Scim, user: dict[str, Any]) -> None:
    """Each PUT, PATCH and membership change yields a new ETag; a no-op does not
    (P-3.14-06, C-3.1-22)."""
    path = f"/Users/{user['id']}"
    seen = [etag(scim, path)]
    scim.put(path, {"schemas": [USER_SCHEMA], "userName": "bjensen", "nickName": "b"})
    seen.append(etag(scim, path))
    scim.patch_ops(path, {"op": "replace", "path": "nickName", "value": "c"})
    seen.append(etag(scim, path))
    assert len(set(seen)) == 3
    for tag in seen:
        assert tag.startswith('W/"') and tag.endswith('"')
    unchanged = scim.patch_ops(path, {"op": "replace", "path": "nickName", "value": "c"})
    assert unchanged.headers["ETag"] == seen[-1]

    group = scim.create_group("G")
    group_path = f"/Groups/{group['id']}"
    before = etag(scim, group_path)
    op = {"op": "add", "path": "members", "value": [{"value": user["id"]}]}
    after = scim.patch_ops(group_path, op).headers["ETag"]
    assert after != before
    scim.delete(path)
    assert etag(scim, group_path) != after


def test_etag_header_on_every_single_resource_response(scim: Scim) -> None:
    """POST, GET, PUT and PATCH of one resource carry ETag == meta.version (P-3.14-02,
    P-3.14-03, C-3.1-21)."""
    created = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "G"})
    path = f"/Groups/{created.get_json()['id']}"
    responses = [
        created,
        scim.get(path),
        scim.put(path, {"schemas": [GROUP_SCHEMA], "displayName": "H"}),
        scim.patch(
            path,
            {
                "schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "displayName", "value": "I"}],
            },
        ),
    ]
    for response in responses:
        assert response.headers["ETag"] == response.get_json()["meta"]["version"]
