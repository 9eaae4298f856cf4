"""Filter syntax (RFC 7644 §3.4.2.2): ``parse_filter`` builds the expected AST and refuses
malformed text with invalidFilter; ``render`` writes canonical text that parses back.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock.errors import InvalidFilter
from scim_mock.filters import (
    MAX_DEPTH,
    MAX_FILTER_LENGTH,
    MAX_TERMS,
    And,
    Comparison,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    compile_filter,
    filter_attribute_paths,
    parse_filter,
    render,
)
from scim_mock.schema import ENTERPRISE_USER, USER
from tests.mock.filter_samples import eq, p, pres, registry, user_type

# -- parsing ---------------------------------------------------------------------------------

A, B, C = pres("a"), pres("b"), pres("c")

PARSE_CASES: list[tuple[str, Filter]] = [
    # every comparison operator, and pr (P-3.4.2.2-05..-11)
    *[(f'userName {op} "x"', Comparison(p("userName"), op, "x"))
      for op in ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")],
    ("title pr", pres("title")),
    # JSON literals (P-3.4.2.2-16)
    ("active eq true", eq("active", True)),
    ("active eq false", eq("active", False)),
    ("title eq null", eq("title", None)),
    ("x eq 42", eq("x", 42)),
    ("x eq -7", eq("x", -7)),
    ("x eq 1.5", eq("x", 1.5)),
    ("x eq 1e3", eq("x", 1000.0)),
    ("x eq -2.5E-1", eq("x", -0.25)),
    (r'x eq "a\"b\\c\u00e9\n"', eq("x", 'a"b\\c\u00e9\n')),
    ('x eq "(parens) [brackets] and or not"', eq("x", "(parens) [brackets] and or not")),
    ('x eq ""', eq("x", "")),
    # case-insensitive operators and logical words (P-3.4.2.2-03); names keep their spelling
    ('USERNAME EQ "a"', Comparison(p("USERNAME"), "eq", "a")),
    ("a PR AnD b Pr oR NOT (c pr)", Or(And(A, B), Not(C))),
    # precedence: not > and > or, left-associative (P-3.4.2.2-17)
    ("a pr or b pr and c pr", Or(A, And(B, C))),
    ("a pr and b pr or c pr", Or(And(A, B), C)),
    ("a pr and b pr and c pr", And(And(A, B), C)),
    ("a pr or b pr or c pr", Or(Or(A, B), C)),
    ("not (a pr) and b pr", And(Not(A), B)),
    # grouping (P-3.4.2.2-14)
    ("(a pr or b pr) and c pr", And(Or(A, B), C)),
    ("a pr and (b pr and c pr)", And(A, And(B, C))),
    ("((a pr))", A),
    ("not(a pr)", Not(A)),
    ("not  (  a pr  )", Not(A)),
    ("  a pr\t", A),
    # paths (P-3.4.2.2-16, -19)
    ('name.givenName eq "B"', eq("name.givenName", "B")),
    (f'{ENTERPRISE_USER}:employeeNumber eq "701984"',
     Comparison(p("employeeNumber", ENTERPRISE_USER), "eq", "701984")),
    (f'{ENTERPRISE_USER}:manager.value pr', Present(p("manager.value", ENTERPRISE_USER))),
    (f'{USER}:name.familyName eq "J"', Comparison(p("name.familyName", USER), "eq", "J")),
    ("$ref pr", pres("$ref")),
    # value paths (P-3.4.2.2-15)
    ('emails[type eq "work"]', ValuePath(p("emails"), eq("type", "work"))),
    ("emails[not (primary eq true)]", ValuePath(p("emails"), Not(eq("primary", True)))),
    ('emails[(type eq "a" or type eq "b") and value pr]',
     ValuePath(p("emails"), And(Or(eq("type", "a"), eq("type", "b")), pres("value")))),
    (f'{ENTERPRISE_USER}:manager[value eq "x"]',
     ValuePath(p("manager", ENTERPRISE_USER), eq("value", "x"))),
    # RFC 7644 §3.4.2.2 examples
    ('userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
     And(eq("userType", "Employee"), Or(Comparison(p("emails"), "co", "example.com"),
                                        Comparison(p("emails.value"), "co", "example.org")))),
    ('emails[type eq "work" and value co "@example.com"] or '
     'ims[type eq "xmpp" and value co "@foo.com"]',
     Or(ValuePath(p("emails"),
                  And(eq("type", "work"), Comparison(p("value"), "co", "@example.com"))),
        ValuePath(p("ims"), And(eq("type", "xmpp"), Comparison(p("value"), "co", "@foo.com"))))),
    ('meta.lastModified gt "2011-05-13T04:42:34Z"',
     Comparison(p("meta.lastModified"), "gt", "2011-05-13T04:42:34Z")),
    ('title pr and userType eq "Employee"', And(pres("title"), eq("userType", "Employee"))),
    ('userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
     And(Comparison(p("userType"), "ne", "Employee"),
         Not(Or(Comparison(p("emails"), "co", "example.com"),
                Comparison(p("emails.value"), "co", "example.org"))))),
    ('userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
     And(eq("userType", "Employee"),
         ValuePath(p("emails"), And(eq("type", "work"),
                                    Comparison(p("value"), "co", "@example.com"))))),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_filter_builds_the_expected_ast(text: str, expected: Filter) -> None:
    """The RFC grammar parses to the AST we expect (P-3.4.2.2-03, -14, -16, -17)."""
    parsed = parse_filter(text)
    assert parsed == expected
    assert repr(parsed) == repr(expected)  # distinguishes 1 / 1.0 / True
    assert parse_filter(render(parsed)) == parsed


def test_known_urns_split_urn_qualified_paths() -> None:
    urns = registry().known_urns(user_type())
    lowered = f"{ENTERPRISE_USER.upper()}:employeeNumber pr"
    assert parse_filter(lowered, urns) == Present(p("employeeNumber", ENTERPRISE_USER.upper()))


def test_a_bare_schema_urn_is_not_an_attribute_path() -> None:
    urns = registry().known_urns(user_type())
    with pytest.raises(InvalidFilter, match="names a schema"):
        parse_filter(f"{USER} pr", urns)
    # Without known URNs the text reads as attribute "User" of schema "...:2.0": compile rejects.
    with pytest.raises(InvalidFilter, match="no attribute"):
        compile_filter(parse_filter(f"{USER} pr"), registry(), user_type())


MALFORMED = [
    "", "   ", "\t\n", "(", ")", "()", "[", "]", "userName", "userName eq", 'userName eq "x',
    'userName "x"', 'userName zz "x"', 'userName regex "x"', "userName eq x", "userName eq True",
    "userName eq NULL", "userName eq 01", "userName eq 1.", "userName eq .5", "userName eq +1",
    "userName eq 0x10", "userName eq 1e999", "userName eq " + "9" * 5000, 'userName eq "\\x"',
    'userName eq "\\u12"', 'userName eq "tab\there"', 'userName eq "a" "b"', "userName pr pr",
    "userName pr and", "and userName pr", "or", "not", "not userName pr", "not pr", "not ()",
    "userName pr and or title pr", "userName pr title pr", "(userName pr", "userName pr)",
    "((userName pr)", 'userName eq "a")', 'emails[type eq "work"', 'emails type eq "work"]',
    'emails[type eq "work"].value', 'emails[]', 'emails [type eq "work"]',
    'emails[types[value eq "x"] pr]', 'emails[emails.type eq "work"]',
    f'emails[{USER}:type eq "work"]', 'name.givenName[value pr]', "name..givenName pr",
    "name.givenName.x pr", "1abc pr", "user name pr", "userName? pr", "urn:ietf pr",
    "urn:ietf:params:scim:schemas:core:2.0:User: pr", "userName eq [1]",
    "userName eq (1)", 'userName eq "a" and', 'userName eq "a" xor title pr',
    "\u00e9l\u00e8ve pr", "userName\u00a0pr", "userName pr;", 'title pr and (userName eq "a"',
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_filters_raise_invalid_filter(text: str) -> None:
    """Malformed filters are refused with invalidFilter (P-3.4.2.2-04, -21)."""
    with pytest.raises(InvalidFilter) as caught:
        parse_filter(text)
    assert caught.value.scim_type == "invalidFilter"
    assert caught.value.status == 400
    assert caught.value.detail


@pytest.mark.parametrize("value", [None, 42, b"userName pr", ["userName pr"]])
def test_non_string_input_raises_invalid_filter(value: Any) -> None:
    with pytest.raises(InvalidFilter, match="must be a string"):
        parse_filter(value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('userName zz "x"', "found 'zz' at column 10"),
        ("userName eq bob", "found 'bob' at column 13"),
        ('userName eq "a" title pr', "found 'title' at column 17"),
        ("not userName pr", "'not' must be followed by '('"),
        ('(userName eq "a"', "expected ')' to close '(' at column 1"),
        ('userName eq "a\\q"', "invalid string literal"),
        ('userName eq "abc', "unterminated string literal starting at column 13"),
        ('emails[type eq "w"].value', "only allowed in PATCH paths"),
        ("userName eq " + "1" * 500, "number out of range: '1111"),
        ("userName eq -1.5e999", "number out of range: '-1.5e999' at column 13"),
    ],
)
def test_invalid_filter_detail_names_the_position(text: str, fragment: str) -> None:
    """The detail is readable and points at the offending text (P-3.4.2.2-21)."""
    with pytest.raises(InvalidFilter) as caught:
        parse_filter(text)
    assert fragment in caught.value.detail
    assert len(caught.value.detail) < 200


def test_over_long_input_is_refused_before_parsing() -> None:
    text = 'userName eq "' + "x" * MAX_FILTER_LENGTH + '"'
    with pytest.raises(InvalidFilter, match="characters long"):
        parse_filter(text)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 200, 10_000])
@pytest.mark.parametrize("shape", ["parens", "not"])
def test_deep_nesting_is_invalid_filter_not_recursion_error(depth: int, shape: str) -> None:
    if shape == "parens":
        text = "(" * depth + "userName pr" + ")" * depth
    else:
        text = "not(" * depth + "userName pr" + ")" * depth
    with pytest.raises(InvalidFilter, match="nests deeper|characters long"):
        parse_filter(text)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    assert parse_filter("(" * MAX_DEPTH + "a pr" + ")" * MAX_DEPTH) == A
    nested = parse_filter("not(" * MAX_DEPTH + "a pr" + ")" * MAX_DEPTH)
    assert render(nested).count("not (") == MAX_DEPTH


def test_number_of_terms_is_bounded() -> None:
    assert isinstance(parse_filter(" or ".join(["a pr"] * MAX_TERMS)), Or)
    with pytest.raises(InvalidFilter, match="more than"):
        parse_filter(" or ".join(["a pr"] * (MAX_TERMS + 1)))


# -- rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (Or(A, And(B, C)), "a pr or b pr and c pr"),
        (And(Or(A, B), C), "(a pr or b pr) and c pr"),
        (And(A, And(B, C)), "a pr and (b pr and c pr)"),
        (Or(A, Or(B, C)), "a pr or (b pr or c pr)"),
        (Or(Or(A, B), C), "a pr or b pr or c pr"),
        (Not(And(A, B)), "not (a pr and b pr)"),
        (Comparison(p("USERNAME"), "eq", "Ünïcode \"q\""), 'USERNAME eq "Ünïcode \\"q\\""'),
        (Comparison(p("x"), "lt", 1.0), "x lt 1.0"),
        (ValuePath(p("emails"), Or(eq("type", "a"), pres("value"))),
         'emails[type eq "a" or value pr]'),
    ],
)
def test_render_is_canonical_with_minimal_parentheses(node: Filter, text: str) -> None:
    assert render(node) == text
    assert parse_filter(text) == node


def test_render_normalizes_case_and_spacing() -> None:
    text = 'userName  EQ "a"   AND NOT(title PR)'
    assert render(parse_filter(text)) == 'userName eq "a" and not (title pr)'


def test_filter_attribute_paths_lists_top_level_paths_in_order() -> None:
    node = parse_filter(
        'userName eq "a" or (emails[type eq "work"] and not (title pr)) or userName pr'
    )
    assert filter_attribute_paths(node) == [p("userName"), p("emails"), p("title")]
