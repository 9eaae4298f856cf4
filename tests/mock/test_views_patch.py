"""Modifying resources with PATCH over HTTP (RFC 7644 §3.5.2): 200 with the resource (or 204 in
no-content mode), bad PatchOp requests refused with nothing changed, 404 for unknown ids.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PATCH_OP, USER_SCHEMA, Scim, assert_scim_error, make_scim


def test_patch_answers_200_with_the_resource(scim: Scim) -> None:
    """PATCH → 200 with the modified resource and its new ETag (P-3.5.2-16, P-3.14-06)."""
    user = scim.create_user("a")
    op = {"op": "add", "path": "displayName", "value": "A"}
    response = scim.patch_ops(f"/Users/{user['id']}", op)
    assert response.status_code == 200
    body = response.get_json()
    assert body["displayName"] == "A"
    assert response.headers["ETag"] == body["meta"]["version"] != user["meta"]["version"]
    assert scim.get(f"/Users/{user['id']}").get_json() == body


def test_patch_no_content_mode_answers_204() -> None:
    """patch_response="no-content" → 204 without a body, but ETag set; attributes= forces 200
    (P-3.5.2-16, P-3.5.2-17)."""
    scim = make_scim(patch_response="no-content")
    user = scim.create_user("a")
    path = f"/Users/{user['id']}"
    response = scim.patch_ops(path, {"op": "add", "path": "displayName", "value": "A"})
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["ETag"] == scim.get(path).get_json()["meta"]["version"]
    response = scim.patch_ops(
        path, {"op": "add", "path": "nickName", "value": "N"}, query={"attributes": "nickName"}
    )
    assert response.status_code == 200
    assert response.get_json()["nickName"] == "N"


@pytest.mark.parametrize(
    "body, scim_type",
    [
        ({"Operations": []}, "invalidSyntax"),
        ({"schemas": [PATCH_OP]}, "invalidSyntax"),
        ({"schemas": [USER_SCHEMA], "Operations": []}, "invalidSyntax"),
        ({"schemas": [PATCH_OP], "Operations": [], "extra": 1}, "invalidSyntax"),
        ({"schemas": [PATCH_OP], "Operations": [{"op": "jump", "path": "x"}]}, None),
        (
            {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "id", "value": "x"}]},
            "mutability",
        ),
        (
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "replace", "path": 'emails[type eq "zzz"].value', "value": "x"}
                ],
            },
            "noTarget",
        ),
        ({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "userName"}]}, None),
    ],
)
def test_bad_patch_requests_are_refused_and_change_nothing(
    scim: Scim, body: dict[str, Any], scim_type: str | None
) -> None:
    """Malformed PatchOp envelopes and impossible operations → 400, resource unchanged
    (P-3.12-18, P-3.12-19, P-3.12-21)."""
    user = scim.create_user("a")
    response = scim.patch(f"/Users/{user['id']}", body)
    assert response.status_code == 400
    error = response.get_json()
    if scim_type is not None:
        assert error["scimType"] == scim_type
    assert_scim_error(response, 400, error.get("scimType"))
    assert scim.get(f"/Users/{user['id']}").get_json() == user


def test_patch_unknown_id_is_404(scim: Scim) -> None:
    """PATCH of an unknown id → 404 (P-3.12-10)."""
    op = {"op": "add", "path": "displayName", "value": "A"}
    assert_scim_error(scim.patch_ops("/Users/nope", op), 404)
