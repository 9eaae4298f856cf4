"""Attribute paths (RFC 7644 §3.10, §3.5.2): parse, render, and reject malformed paths."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scim_mock.errors import InvalidFilter
from scim_mock.filter_parser import Comparison, parse_patch_path
from scim_mock.paths import AttrPath, PathSyntaxError, parse_attr_path

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
KNOWN = (CORE, ENTERPRISE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("userName", AttrPath(None, "userName")),
        ("name.givenName", AttrPath(None, "name", "givenName")),
        ("members.$ref", AttrPath(None, "members", "$ref")),
        (f"{CORE}:userName", AttrPath(CORE, "userName")),
        (f"{CORE}:name.familyName", AttrPath(CORE, "name", "familyName")),
        (f"{ENTERPRISE}:employeeNumber", AttrPath(ENTERPRISE, "employeeNumber")),
        (f"{ENTERPRISE}:manager.value", AttrPath(ENTERPRISE, "manager", "value")),
        (ENTERPRISE, AttrPath(ENTERPRISE, None)),
        (ENTERPRISE.upper(), AttrPath(ENTERPRISE.upper(), None)),
    ],
)
def test_attribute_paths_parse(text: str, expected: AttrPath) -> None:
    """attrPath = [URI ":"] ATTRNAME *1subAttr; a known URN alone names the extension."""
    assert parse_attr_path(text, KNOWN) == expected
    assert str(parse_attr_path(text, KNOWN)) == text


def test_unknown_urns_split_at_the_last_colon() -> None:
    """Without knowing the schema, the attribute is what follows the last colon."""
    path = parse_attr_path("urn:example:custom:1.0:Thing:color")
    assert path == AttrPath("urn:example:custom:1.0:Thing", "color")


@pytest.mark.parametrize(
    "text",
    ["", " userName", "userName ", "1abc", "name..givenName", "name.given.name", "a b",
     "emails[", "urn:", "urn:x", "name.", ".name", "na-me.", 'userName"', "user/Name"],
)  # fmt: skip
def test_malformed_attribute_paths_are_refused(text: str) -> None:
    """Anything outside the grammar raises PathSyntaxError."""
    with pytest.raises(PathSyntaxError):
        parse_attr_path(text, KNOWN)


def test_patch_paths_with_value_filters() -> None:
    """valuePath [ "." subAttr ]: the filter is parsed, the sub-attribute kept apart."""
    path = parse_patch_path('emails[type eq "work"].value', KNOWN)
    assert path.attr == AttrPath(None, "emails")
    assert isinstance(path.value_filter, Comparison)
    assert path.sub_attribute == "value"
    assert str(path) == 'emails[type eq "work"].value'
    members = parse_patch_path('members[value eq "a]b"]')
    assert isinstance(members.value_filter, Comparison)
    assert members.value_filter.value == "a]b"
    assert members.sub_attribute is None


@pytest.mark.parametrize(
    "text",
    ['emails[type eq "work"', 'emails[type eq "work"]x', 'name.givenName[type eq "x"]',
     'emails[type eq "a"].value.more', 'emails[x[y eq 1]]'],
)  # fmt: skip
def test_malformed_patch_paths_are_refused(text: str) -> None:
    """Unbalanced or nested brackets, junk after the bracket, filters on sub-attributes."""
    with pytest.raises((PathSyntaxError, InvalidFilter)):
        parse_patch_path(text, KNOWN)


def test_a_bad_filter_inside_brackets_is_invalid_filter() -> None:
    """RFC 7644 §3.12 lists invalidFilter for PATCH path filters."""
    with pytest.raises(InvalidFilter):
        parse_patch_path("emails[type eq]", KNOWN)


@given(st.text(max_size=80))
def test_patch_path_parser_raises_only_scim_errors(text: str) -> None:
    """Arbitrary text either parses or raises PathSyntaxError/InvalidFilter, nothing else."""
    try:
        parse_patch_path(text, KNOWN)
    except (PathSyntaxError, InvalidFilter):
        pass
