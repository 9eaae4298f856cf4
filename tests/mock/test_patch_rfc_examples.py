"""The PATCH examples of RFC 7644 §3.5.2.1-§3.5.2.3 (group members, addresses, emails, pathless
add and replace) give the results the RFC describes.
"""

from __future__ import annotations

from tests.mock.patch_samples import BJENSEN, JSMITH, bjensen, group, op, patch


def test_rfc_add_member_to_group() -> None:
    """RFC 7644 §3.5.2.1 example; P-3.5.2.1-05. The readOnly ``display`` sent is ignored."""
    ref = f"https://example.com/v2/Users/{BJENSEN}"
    member = {"display": "Babs Jensen", "$ref": ref, "value": BJENSEN}
    result = patch(group(JSMITH), op("add", "members", [member]), type_="Group")
    assert result["members"] == [
        {"value": JSMITH, "type": "User"},
        {"$ref": ref, "value": BJENSEN},
    ]


def test_rfc_remove_member_by_value_filter() -> None:
    """RFC 7644 §3.5.2.2 example; P-3.5.2.2-04."""
    path = f'members[value eq "{BJENSEN}"]'
    result = patch(group(BJENSEN, JSMITH), op("remove", path), type_="Group")
    assert result["members"] == [{"value": JSMITH, "type": "User"}]


def test_rfc_remove_all_members() -> None:
    """RFC 7644 §3.5.2.2 example; P-3.5.2.2-03: the attribute becomes unassigned."""
    result = patch(group(BJENSEN, JSMITH), op("remove", "members"), type_="Group")
    assert "members" not in result


def test_rfc_replace_members_by_remove_then_add() -> None:
    """RFC 7644 §3.5.2.2 example (remove all, then add); P-3.5.2-12 applies ops in order."""
    result = patch(
        group(BJENSEN),
        op("remove", "members"),
        op("add", "members", [{"value": JSMITH, "display": "James Smith"}]),
        type_="Group",
    )
    assert result["members"] == [{"value": JSMITH}]


def test_rfc_replace_members() -> None:
    """RFC 7644 §3.5.2.3 example; P-3.5.2.3-03."""
    new = [
        {"display": "Babs Jensen", "value": BJENSEN},
        {"display": "James Smith", "value": JSMITH},
    ]
    result = patch(group("other"), op("replace", "members", new), type_="Group")
    assert result["members"] == [{"value": BJENSEN}, {"value": JSMITH}]


def test_rfc_replace_work_address() -> None:
    """RFC 7644 §3.5.2.3 example; P-3.5.2.3-07: the matching value is replaced as a whole."""
    value = {"type": "work", "streetAddress": "911 Universal City Plaza", "country": "US"}
    result = patch(bjensen(), op("replace", 'addresses[type eq "work"]', value))
    assert result["addresses"] == [value, {"type": "home", "locality": "Hollywood"}]


def test_rfc_replace_work_street_address() -> None:
    """RFC 7644 §3.5.2.3 example; P-3.5.2.3-08: only the sub-attribute of matches changes."""
    path = 'addresses[type eq "work"].streetAddress'
    result = patch(bjensen(), op("replace", path, "1010 Broadway Ave"))
    assert result["addresses"][0] == {
        "type": "work",
        "streetAddress": "1010 Broadway Ave",
        "locality": "Hollywood",
    }
    assert result["addresses"][1] == bjensen()["addresses"][1]


def test_replace_work_email_value() -> None:
    """P-3.5.2-07: a value path with a sub-attribute, ``emails[type eq "work"].value``."""
    result = patch(bjensen(), op("replace", 'emails[type eq "work"].value', "new@example.com"))
    assert result["emails"][0] == {"value": "new@example.com", "type": "work", "primary": True}


def test_rfc_pathless_replace() -> None:
    """RFC 7644 §3.5.2.3 example (note the lower-case "nickname"); P-3.5.2.3-01."""
    value = {
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": True},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "nickname": "Babs",
    }
    start = bjensen()
    start["emails"] = [{"value": "old@example.com"}]
    start["nickName"] = "Old"
    result = patch(start, op("replace", value=value))
    assert result["emails"] == value["emails"]
    assert result["nickName"] == "Babs"


def test_rfc_pathless_add() -> None:
    """RFC 7644 §3.5.2.1 example; P-3.5.2.1-02: the attributes are added, others kept."""
    start = bjensen()
    del start["nickName"]
    value = {"emails": [{"value": "babs@jensen.org", "type": "home"}], "nickname": "Babs"}
    result = patch(start, op("add", value=value))
    assert result["emails"] == start["emails"]  # already present: nothing added
    assert result["nickName"] == "Babs"
    assert result["name"] == start["name"]
