"""PATCH ``remove`` (RFC 7644 §3.5.2.2): whole attributes, value-filtered elements and
sub-attributes; removing what is absent succeeds; extension URNs leave ``schemas`` with their data.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.schema import ENTERPRISE_USER, USER
from tests.mock.patch_samples import BJENSEN, JSMITH, MISSING, bjensen, group, op, patch


@pytest.mark.parametrize(
    ("path", "attribute", "expected"),
    [
        pytest.param("nickName", "nickName", MISSING, id="single"),
        pytest.param("emails", "emails", MISSING, id="multi-all"),
        pytest.param('emails[type eq "work"]', "emails", [bjensen()["emails"][1]], id="filter"),
        pytest.param(
            'emails[type eq "other"]', "emails", bjensen()["emails"], id="filter-no-match"
        ),
        pytest.param(
            'emails[type eq "work" or type eq "home"]', "emails", MISSING, id="filter-all-unassigns"
        ),
        pytest.param(
            'emails[type eq "work"].primary',
            "emails",
            [{"value": "bjensen@example.com", "type": "work"}, bjensen()["emails"][1]],
            id="filter-sub-attribute",
        ),
        pytest.param(
            "emails.type",
            "emails",
            [{"value": "bjensen@example.com", "primary": True}, {"value": "babs@jensen.org"}],
            id="sub-attribute-of-every-value",
        ),
        pytest.param("name.givenName", "name", {"familyName": "Jensen"}, id="sub-attribute"),
        pytest.param("title", "title", MISSING, id="absent"),
        pytest.param(
            f"{ENTERPRISE_USER}:employeeNumber", ENTERPRISE_USER, MISSING, id="absent-ext"
        ),
    ],
)
def test_remove(path: str, attribute: str, expected: Any) -> None:
    """P-3.5.2.2-02 to -05, -07; removing what is not there succeeds without change."""
    result = patch(bjensen(), op("remove", path))
    assert result.get(attribute, MISSING) == expected


def test_removing_the_last_sub_attribute_unassigns_the_complex_attribute() -> None:
    result = patch(bjensen(), op("remove", "name.givenName"), op("remove", "NAME.familyName"))
    assert "name" not in result


def test_remove_member_who_is_not_in_the_group_succeeds_without_change() -> None:
    """P-3.5.2.2-07 (a SHOULD we follow rather than answering noTarget)."""
    start = group(BJENSEN)
    assert patch(start, op("remove", f'members[value eq "{JSMITH}"]'), type_="Group") == start


@pytest.mark.parametrize(
    "path",
    [ENTERPRISE_USER, f"{ENTERPRISE_USER}:employeeNumber"],
)
def test_removing_extension_data_removes_its_urn_from_schemas(path: str) -> None:
    """C-3.3-04: ``schemas`` lists exactly the extensions in use."""
    start = patch(bjensen(), op("add", f"{ENTERPRISE_USER}:employeeNumber", "1"))
    result = patch(start, op("remove", path))
    assert ENTERPRISE_USER not in result
    assert result["schemas"] == [USER]


def test_removing_one_of_two_extension_attributes_keeps_the_extension() -> None:
    start = patch(bjensen(), op("add", ENTERPRISE_USER, {"employeeNumber": "1", "division": "d"}))
    result = patch(start, op("remove", f"{ENTERPRISE_USER}:division"))
    assert result[ENTERPRISE_USER] == {"employeeNumber": "1"}
    assert result["schemas"] == [USER, ENTERPRISE_USER]
