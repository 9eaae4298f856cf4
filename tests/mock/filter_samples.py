"""What the filter tests share: AST builders, the bundled schema registry and three sample
users shaped like the RFC 7644 §3.4.2.2 examples (BJENSEN, JSMITH, NOBODY).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from scim_mock.filters import Comparison, Present, compile_filter, parse_filter
from scim_mock.paths import AttrPath
from scim_mock.schema import ENTERPRISE_USER, USER, ResourceType, SchemaRegistry

# -- AST builders and the schema registry ----------------------------------------------------


def p(name: str, urn: str | None = None) -> AttrPath:
    """AttrPath from ``attr`` or ``attr.sub`` (optionally URN-qualified)."""
    attribute, _, sub = name.partition(".")
    return AttrPath(urn, attribute, sub or None)


def eq(name: str, value: Any) -> Comparison:
    return Comparison(p(name), "eq", value)


def pres(name: str) -> Present:
    return Present(p(name))


@cache
def registry() -> SchemaRegistry:
    return SchemaRegistry.load()


def user_type() -> ResourceType:
    rt = registry().resource_type("User")
    assert rt is not None
    return rt


def group_type() -> ResourceType:
    rt = registry().resource_type("Group")
    assert rt is not None
    return rt


# -- sample users (RFC 7644 §3.4.2.2 examples) -----------------------------------------------

BJENSEN: dict[str, Any] = {
    "schemas": [USER, ENTERPRISE_USER],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "Bjensen",
    "userName": "bjensen@example.com",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "title": "Tour Guide",
    "userType": "Employee",
    "active": True,
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "ims": [{"value": "bjensen@foo.com", "type": "xmpp"}],
    "x509Certificates": [{"value": "TUlJRA=="}],
    "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
             "lastModified": "2011-05-13T04:42:34Z"},
    ENTERPRISE_USER: {"employeeNumber": "701984", "manager": {"value": "26118915-6090"}},
}
JSMITH: dict[str, Any] = {
    "schemas": [USER],
    "id": "c3a8d5e0-0001",
    "externalId": "jsmith",
    "userName": "JSmith",
    "name": {"givenName": "John", "familyName": "Smith"},
    "userType": "Contractor",
    "active": False,
    "emails": [{"value": "js@example.org", "type": "work"}],
    "meta": {"resourceType": "User", "created": "2012-03-01T10:00:00.5+02:00",
             "lastModified": "2012-03-01T10:00:00.5+02:00"},
}
NOBODY: dict[str, Any] = {
    "schemas": [USER],
    "id": "c3a8d5e0-0002",
    "userName": "nobody",
    "title": "",
    "name": {"givenName": ""},
    "emails": [],
    "meta": {"resourceType": "User", "created": "2013-01-01T00:00:00Z",
             "lastModified": "2013-01-01T00:00:00Z"},
}
USERS = [BJENSEN, JSMITH, NOBODY]


def matching(text: str) -> set[str]:
    predicate = compile_filter(parse_filter(text), registry(), user_type())
    return {u["userName"] for u in USERS if predicate(copy.deepcopy(u))}


ALL = {"bjensen@example.com", "JSmith", "nobody"}
BJ, JS, NB = {"bjensen@example.com"}, {"JSmith"}, {"nobody"}
