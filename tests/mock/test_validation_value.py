"""Single values (RFC 7643 §2.3): ``canonicalize_value`` checks a value for one attribute, as
PATCH needs it, and ``equal_values`` compares values by caseExact, type and as multisets.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.errors import InvalidSyntax, InvalidValue
from scim_mock.schema import ENTERPRISE_USER, Attribute, ResolvedAttribute
from scim_mock.validation import canonicalize_value, equal_values
from tests.mock.validation_samples import registry, rt

# -- canonicalize_value ------------------------------------------------------------------------


def resolved(
    name: str, sub: str | None = None, urn: str | None = None, type_: str = "User"
) -> ResolvedAttribute:
    found = registry().resolve(rt(type_), name, sub, urn)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("target", "value", "element", "expected"),
    [
        pytest.param(resolved("emails"), [{"VALUE": "a"}], False, [{"value": "a"}], id="list"),
        pytest.param(resolved("emails"), {"VALUE": "a"}, True, {"value": "a"}, id="one-element"),
        pytest.param(
            resolved("emails"), [{"value": "a"}], True, [{"value": "a"}], id="list-element-mode"
        ),
        pytest.param(resolved("emails"), [], False, None, id="empty-list"),
        pytest.param(resolved("emails"), None, True, None, id="null-element"),
        pytest.param(resolved("emails", "value"), "a@b", False, "a@b", id="sub-attribute"),
        pytest.param(
            resolved("name"), {"FamilyName": "J"}, False, {"familyName": "J"}, id="complex"
        ),
        pytest.param(resolved("active"), False, False, False, id="boolean"),
        pytest.param(
            resolved("members", "type", type_="Group"), "group", False, "Group", id="member-type"
        ),
        pytest.param(
            resolved("manager", urn=ENTERPRISE_USER),
            {"Value": "m"},
            False,
            {"value": "m"},
            id="extension",
        ),
    ],
)
def test_canonicalize_value_checks_a_value_for_one_attribute(
    target: ResolvedAttribute, value: Any, element: bool, expected: Any
) -> None:
    result = canonicalize_value(registry(), rt("User"), target, value, element=element)
    assert result == expected


@pytest.mark.parametrize(
    ("target", "value", "element"),
    [
        pytest.param(resolved("emails"), {"value": "a"}, False, id="element-without-element-mode"),
        pytest.param(resolved("emails", "primary"), "yes", False, id="sub-type"),
        pytest.param(resolved("nickName"), ["a"], False, id="array-for-single"),
        pytest.param(
            resolved("emails"), [{"value": "a", "primary": True}] * 2, False, id="two-primary"
        ),
        pytest.param(resolved("members", "type", type_="Group"), "Robot", False, id="member-type"),
    ],
)
def test_canonicalize_value_refuses_bad_values(
    target: ResolvedAttribute, value: Any, element: bool
) -> None:
    with pytest.raises(InvalidValue):
        canonicalize_value(registry(), rt("User"), target, value, element=element)


def test_canonicalize_value_refuses_unknown_sub_attributes() -> None:
    with pytest.raises(InvalidSyntax, match="name.nick"):
        canonicalize_value(registry(), rt("User"), resolved("name"), {"nick": "n"})


# -- equal_values --------------------------------------------------------------------------------

CASE_EXACT = Attribute("externalId", case_exact=True)
CASE_IGNORED = Attribute("userName")
WHEN = Attribute("when", type="dateTime")
FLAG = Attribute("flag", type="boolean")
NUMBER = Attribute("n", type="decimal")
EMAILS = Attribute(
    "emails",
    type="complex",
    multi_valued=True,
    sub_attributes=(Attribute("value"), Attribute("type"), Attribute("ref", case_exact=True)),
)


@pytest.mark.parametrize(
    ("attribute", "a", "b", "equal"),
    [
        (CASE_IGNORED, "Babs", "babs", True),
        (CASE_EXACT, "Babs", "babs", False),
        (CASE_EXACT, "Babs", "Babs", True),
        (WHEN, "2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00", True),
        (WHEN, "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", False),
        (FLAG, True, 1, False),
        (FLAG, False, False, True),
        (NUMBER, 1, 1.0, True),
        (CASE_IGNORED, None, [], True),
        (CASE_IGNORED, None, "x", False),
        (EMAILS, {"value": "A", "type": "work"}, {"type": "WORK", "value": "a"}, True),
        (EMAILS, {"value": "a", "ref": "X"}, {"value": "a", "ref": "x"}, False),
        (EMAILS, {"value": "a"}, {"value": "a", "type": None}, True),
        (EMAILS, {"value": "a"}, {"value": "a", "type": "work"}, False),
        (EMAILS, [{"value": "a"}, {"value": "b"}], [{"value": "B"}, {"value": "a"}], True),
        (EMAILS, [{"value": "a"}, {"value": "a"}], [{"value": "a"}, {"value": "b"}], False),
        (EMAILS, [{"value": "a"}], [{"value": "a"}, {"value": "a"}], False),
    ],
)
def test_equal_values_respects_case_exact_types_and_multisets(
    attribute: Attribute, a: Any, b: Any, equal: bool
) -> None:
    """RFC 7643 §2.2 caseExact; C-7-10 / C-7-12; multi-valued order carries no meaning."""
    assert equal_values(attribute, a, b) is equal
    assert equal_values(attribute, b, a) is equal
