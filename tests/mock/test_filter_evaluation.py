"""Filter evaluation (RFC 7644 §3.4.2.2): which resources a filter selects, caseExact and
Unicode comparison, numbers, and the schema errors ``compile_filter`` raises up front.
"""

from __future__ import annotations

import pytest

from scim_mock.errors import InvalidFilter
from scim_mock.filters import (
    Comparison,
    Filter,
    Present,
    ValuePath,
    compile_filter,
    compile_value_filter,
    evaluate,
    parse_filter,
)
from scim_mock.paths import AttrPath
from scim_mock.schema import ENTERPRISE_USER, USER, Attribute, ResourceType, Schema, SchemaRegistry
from tests.mock.filter_samples import (
    ALL,
    BJ,
    BJENSEN,
    JS,
    NB,
    group_type,
    matching,
    p,
    pres,
    registry,
    user_type,
)

EVAL_CASES: list[tuple[str, set[str]]] = [
    ('userName eq "BJENSEN@example.com"', BJ),  # userName is not caseExact (P-3.4.2.2-22)
    ('userName ne "jsmith"', BJ | NB),  # P-3.4.2.2-06
    ('userName co "SMI"', JS),  # P-3.4.2.2-07
    ('userName sw "bjensen"', BJ),  # P-3.4.2.2-08
    ('userName sw "bjensen@example.com"', BJ),
    ('userName ew "BODY"', NB),  # P-3.4.2.2-09
    ('userName gt "j"', JS | NB),  # lexicographic on folded text (P-3.4.2.2-11)
    ('userName le "jsmith"', BJ | JS),
    ("title pr", BJ),  # "" is not present (P-3.4.2.2-10)
    ("name pr", BJ | JS),  # complex: needs a non-empty sub-value
    ("emails pr", BJ | JS),
    ("title eq null", JS | NB),
    ("title ne null", BJ),
    ('title ne "Tour Guide"', JS | NB),  # absent attributes are "ne" anything
    ('emails co "example"', BJ | JS),  # complex without sub-attribute: its value
    ('emails.value eq "babs@jensen.org"', BJ),  # any value matches (P-3.4.2.2-18)
    ('emails.type eq "home"', BJ),
    ('emails[type eq "work" and value co "example.com"]', BJ),
    ('emails[type eq "work" and value eq "babs@jensen.org"]', set()),  # same value (-15)
    ('emails[not (type eq "work")]', BJ),
    ('emails.type eq "work" and emails.value eq "babs@jensen.org"', BJ),  # any, independently
    ('name.givenName eq "john"', JS),  # P-3.4.2.2-19
    ("active eq true", BJ),
    ("active eq false", JS),
    ("active ne true", JS | NB),
    ('meta.lastModified gt "2011-05-13T04:42:34Z"', JS | NB),  # chronological
    ('meta.lastModified ge "2011-05-13T04:42:34Z"', ALL),
    ('meta.lastModified lt "2011-05-13T04:42:34.001Z"', BJ),
    ('meta.created eq "2012-03-01T08:00:00.500Z"', JS),  # same instant, other zone
    ('meta.created sw "2013-"', NB),
    (f'{ENTERPRISE_USER}:employeeNumber eq "701984"', BJ),
    (f'{ENTERPRISE_USER}:manager eq "26118915-6090"', BJ),
    (f'{ENTERPRISE_USER}:manager[value sw "2611"]', BJ),
    (f'{ENTERPRISE_USER}:employeeNumber pr', BJ),
    (f'{USER}:userName eq "nobody"', NB),
    ('x509Certificates.value eq "TUlJRA=="', BJ),
    ('USERNAME EQ "jsmith"', JS),  # P-3.4.2.2-03
    ('userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', BJ),
    ('userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
     NB),
    ('title pr and userType eq "Employee"', BJ),
    ('userName eq "nobody" or userName eq "JSmith" and title pr', NB),  # P-3.4.2.2-17
    ('(userName eq "nobody" or userName eq "JSmith") and active pr', JS),  # P-3.4.2.2-14
    (f'schemas eq "{ENTERPRISE_USER.upper()}"', BJ),  # P-3.4.2.2-23
    ('emails[type eq "work" and value co "@example.com"] or '
     'ims[type eq "xmpp" and value co "@foo.com"]', BJ),
]


@pytest.mark.parametrize(("text", "expected"), EVAL_CASES, ids=[c[0] for c in EVAL_CASES])
def test_filter_selects_the_matching_users(text: str, expected: set[str]) -> None:
    """Filters select exactly the matching users (P-3.4.2.2-02, -05..-19)."""
    assert matching(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('id eq "2819c223-7f76-453a-919d-413861904646"', BJ),
        ('id eq "2819C223-7F76-453A-919D-413861904646"', set()),  # id is caseExact
        ('externalId eq "Bjensen"', BJ),
        ('externalId eq "bjensen"', set()),  # C-7-10
        ('externalId sw "bj"', set()),
        ('externalId co "jSm"', set()),
        ('userName eq "jsmith"', JS),
        ('meta.resourceType eq "user"', set()),  # caseExact sub-attribute
    ],
)
def test_case_exact_attributes_compare_case_sensitively(text: str, expected: set[str]) -> None:
    """caseExact decides string comparison (P-3.4.2.2-22, C-7-10)."""
    assert matching(text) == expected


def test_unicode_strings_are_normalized_before_comparison() -> None:
    """NFC and NFD spellings of the same name match (P-7.8-01)."""
    user = {"schemas": [USER], "userName": "Ren\u00e9e"}
    node = parse_filter('userName eq "Rene\u0301e"')
    assert evaluate(node, user, registry(), user_type())
    assert evaluate(parse_filter('userName eq "REN\u00c9E"'), user, registry(), user_type())


def test_group_members_value_filter() -> None:
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Tour",
             "members": [{"value": "u1", "type": "User"}, {"value": "g2", "type": "Group"}]}
    node = parse_filter('members[type eq "group" and value eq "g2"] and displayName sw "t"')
    assert evaluate(node, group, registry(), group_type())
    assert not evaluate(parse_filter('members[value eq "g3"]'), group, registry(), group_type())


COMPILE_ERRORS = [
    ('nosuch eq "x"', "no attribute"),
    ('name.nosuch eq "x"', "no attribute"),
    ('employeeNumber eq "1"', "no attribute"),  # extension attributes must be qualified
    (f'{ENTERPRISE_USER}:nosuch pr', "no attribute"),
    ('urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"', "no attribute"),
    ('userName[value eq "x"]', "not complex"),
    ('emails[nosuch eq "x"]', "no sub-attribute"),
    ("active gt true", "cannot be applied to the boolean"),  # P-3.4.2.2-12
    ("active le false", "cannot be applied to the boolean"),
    ('x509Certificates.value gt "TUlJRA=="', "cannot be applied to the binary"),
    ('emails.primary lt true', "cannot be applied to the boolean"),
    ('active eq "true"', "not a boolean"),
    ("userName eq 5", "not a string"),
    ("meta.created gt 5", "xsd:dateTime"),
    ('meta.created gt "yesterday"', "xsd:dateTime"),
    ('meta.lastModified eq "2011-05-13"', "xsd:dateTime"),
    ('x509Certificates.value eq "not base64!"', "base64"),
    ('name eq "Barbara"', "no 'value' sub-attribute"),
    ('name co "Barbara"', "no 'value' sub-attribute"),
    ("emails eq 5", "not a string"),
    ('active co "t"', "needs a string-valued attribute"),
    ("userName co 5", "needs a string value"),
    ("userName gt null", "null can only be compared"),
    ("userName co null", "null can only be compared"),
    ('emails[primary gt true]', "cannot be applied to the boolean"),
    # returned=never values compare for equality only, never as an oracle (C-4.1.1-07)
    ('password sw "S3"', "which is never returned"),
    ('password co "cret"', "which is never returned"),
    ('password gt "A"', "which is never returned"),
]


def test_password_compares_for_equality_only() -> None:
    """eq and ne on password still work (C-4.1.1-10 allows them); a hash would allow as much."""
    users = [{"userName": "a", "password": "S3cret"}, {"userName": "b", "password": "other"}]
    for text, wanted in (('password eq "S3cret"', {"a"}), ('password ne "S3cret"', {"b"})):
        predicate = compile_filter(parse_filter(text), registry(), user_type())
        assert {u["userName"] for u in users if predicate(u)} == wanted


@pytest.mark.parametrize(("text", "fragment"), COMPILE_ERRORS, ids=[c[0] for c in COMPILE_ERRORS])
def test_compile_filter_rejects_filters_the_schema_cannot_satisfy(text: str, fragment: str) -> None:
    """Schema errors are raised up front, with no resource at hand (P-3.4.2.2-04, -12)."""
    node = parse_filter(text)
    with pytest.raises(InvalidFilter) as caught:
        compile_filter(node, registry(), user_type())
    assert fragment in caught.value.detail


@pytest.mark.parametrize(
    "node",
    [
        Comparison(p("userName"), "regex", "x"),
        ValuePath(p("emails"), ValuePath(p("type"), pres("value"))),
        ValuePath(p("name.givenName"), pres("value")),
        Present(AttrPath(USER, None)),
        ValuePath(p("emails"), Present(p("type", USER))),
    ],
)
def test_compile_filter_rejects_hand_built_asts_outside_the_grammar(node: Filter) -> None:
    with pytest.raises(InvalidFilter):
        compile_filter(node, registry(), user_type())


def test_unknown_attributes_can_count_as_unassigned() -> None:
    """Queries spanning resource types treat missing attributes as unassigned (P-3.4.2.1-04)."""
    node = parse_filter('nosuch eq "x" or nosuch pr or nosuch[value pr] or displayName ne "y"')
    predicate = compile_filter(node, registry(), user_type(), unknown_is_unassigned=True)
    assert predicate(BJENSEN)  # only "ne" holds
    node = parse_filter('nosuch eq "x" or nosuch pr or nosuch[value pr] or nosuch ne null')
    assert not compile_filter(node, registry(), user_type(), unknown_is_unassigned=True)(BJENSEN)
    node = parse_filter("nosuch eq null")
    assert compile_filter(node, registry(), user_type(), unknown_is_unassigned=True)(BJENSEN)


def test_compile_value_filter_evaluates_one_complex_value() -> None:
    """The bracket filter alone, as PATCH paths use it (P-3.4.2.2-15)."""
    resolved = registry().resolve(user_type(), "emails")
    assert resolved is not None
    predicate = compile_value_filter(parse_filter('type eq "WORK"'), resolved.attribute)
    assert [predicate(e) for e in BJENSEN["emails"]] == [True, False]
    name = registry().resolve(user_type(), "userName")
    assert name is not None
    with pytest.raises(InvalidFilter):
        compile_value_filter(parse_filter("value pr"), name.attribute)


def _thing_registry() -> tuple[SchemaRegistry, ResourceType]:
    attributes = (Attribute("count", type="integer"), Attribute("ratio", type="decimal"))
    # The User core URN is borrowed so the attributes live at the top level of the resource
    # whichever way ResolvedAttribute decides "extension" (it used to hard-code User/Group).
    schema = Schema(USER, "Thing", "", attributes)
    thing = ResourceType("Thing", "Thing", "/Things", USER)
    return SchemaRegistry([schema], [thing]), thing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("count gt 5", True), ("count ge 7", True), ("count lt 7", False), ("count le 7", True),
        ("count eq 7", True), ("count ne 7", False), ("ratio eq 0.25", True), ("ratio lt 1", True),
        ("ratio gt 2.5e-1", False), ("ratio ge 25E-2", True),
    ],
)
def test_numbers_compare_numerically(text: str, expected: bool) -> None:
    """integer and decimal attributes compare by value (P-3.4.2.2-11)."""
    things, thing = _thing_registry()
    resource = {"count": 7, "ratio": 0.25}
    assert evaluate(parse_filter(text), resource, things, thing) is expected


@pytest.mark.parametrize("text", ["count eq 7.0", "count eq true", 'count gt "7"', "ratio eq false",
                                  'count co "7"'])
def test_number_literals_must_fit_the_attribute_type(text: str) -> None:
    things, thing = _thing_registry()
    with pytest.raises(InvalidFilter):
        compile_filter(parse_filter(text), things, thing)


def test_stored_values_of_the_wrong_type_never_match_or_raise() -> None:
    broken = {"userName": 5, "active": "yes", "meta": {"created": "garbage"}, "emails": ["x"]}
    for text in ('userName eq "5"', "active eq true", 'meta.created gt "2000-01-01T00:00:00Z"',
                 'emails[type eq "work"]', 'emails.value co "x"'):
        assert not evaluate(parse_filter(text), broken, registry(), user_type())
