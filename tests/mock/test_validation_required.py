"""Required attributes (RFC 7643 §2.2, §7): ``check_required`` refuses a resource missing a
required attribute, sub-attribute or extension, and skips readOnly ones the server sets.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.errors import InvalidValue
from scim_mock.schema import GROUP, USER
from scim_mock.validation import check_required
from tests.mock.validation_samples import TEST_EXT, custom, custom_rt, registry, rt, user


@pytest.mark.parametrize(
    ("resource", "named"),
    [
        pytest.param({"schemas": [USER]}, "userName", id="missing"),
        pytest.param(user(userName=""), "userName", id="empty-string"),
        pytest.param(user(userName=None), "userName", id="null"),
    ],
)
def test_missing_required_attributes_are_invalid_value(
    resource: dict[str, Any], named: str
) -> None:
    """P-3.12-22: a missing required value is invalidValue, and the detail names it."""
    with pytest.raises(InvalidValue) as info:
        check_required(registry(), rt("User"), resource)
    assert named in info.value.detail


def test_required_check_skips_read_only_attributes() -> None:
    """``id`` is required by RFC 7643 §3.1 but assigned by the server."""
    check_required(registry(), rt("User"), user())
    check_required(registry(), rt("Group"), {"schemas": [GROUP], "displayName": "g"})


@pytest.mark.parametrize(
    ("resource", "named"),
    [
        pytest.param(
            {"schemas": [USER], "userName": "x"}, TEST_EXT, id="required-extension-missing"
        ),
        pytest.param(
            {"schemas": [USER, TEST_EXT], "userName": "x"},
            f"{TEST_EXT}:level",
            id="extension-attribute",
        ),
        pytest.param(
            {
                "schemas": [USER, TEST_EXT],
                "userName": "x",
                TEST_EXT: {"level": "1"},
                "badge": {"serial": "s"},
            },
            "badge.code",
            id="required-sub-attribute",
        ),
    ],
)
def test_required_extensions_and_sub_attributes_are_checked(
    resource: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidValue) as info:
        check_required(custom(), custom_rt(), resource)
    assert named in info.value.detail


def test_complete_resource_with_required_extension_passes() -> None:
    resource = {
        "schemas": [USER, TEST_EXT],
        "userName": "x",
        TEST_EXT: {"level": "1"},
        "badge": {"code": "c"},
    }
    check_required(custom(), custom_rt(), resource)
