"""Query planning in the provider: indexed equality lookups and computed attributes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scim_mock.config import MockConfig
from scim_mock.provider import Query, ServiceProvider
from scim_mock.schema import SchemaRegistry
from scim_mock.store import InMemoryStore

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


class CountingStore(InMemoryStore):
    """Counts whole-table reads, so a test can tell an index lookup from a scan."""

    scans = 0

    def list(self, resource_type: str) -> list[dict[str, Any]]:
        self.scans += 1
        return super().list(resource_type)

    def select(
        self, resource_type: str, predicate: Callable[[dict[str, Any]], bool]
    ) -> list[dict[str, Any]]:
        self.scans += 1
        return super().select(resource_type, predicate)


@pytest.fixture
def provider() -> ServiceProvider:
    registry = SchemaRegistry.load()
    store = CountingStore(unique={"User": [("userName", False)], "Group": []})
    provider = ServiceProvider(registry, MockConfig(), store=store)
    user_rt = registry.resource_type("User")
    assert user_rt is not None
    for name in ("alice", "Bob", "carol"):
        provider.create(user_rt, {"schemas": [USER], "userName": name})
    return provider


def _names(provider: ServiceProvider, text: str) -> list[str]:
    rt = provider.resource_type("User")
    result = provider.query([rt], Query(filter=text))
    return [r["userName"] for _, r in result.resources]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "BOB"', ["Bob"]),
        ('userName eq "nobody"', []),
        ('USERNAME Eq "alice" and active pr', []),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "carol"', ["carol"]),
    ],
)
def test_unique_equality_uses_the_index(
    provider: ServiceProvider, text: str, expected: list[str]
) -> None:
    """`userName eq` (also inside `and`) is answered without reading the whole table."""
    store = provider.store
    assert isinstance(store, CountingStore)
    before = store.scans
    assert _names(provider, text) == expected
    assert store.scans == before


def test_id_equality_uses_the_index(provider: ServiceProvider) -> None:
    """`id eq` looks the id up; an unknown id gives an empty result, not an error."""
    store = provider.store
    assert isinstance(store, CountingStore)
    rt = provider.resource_type("User")
    some = provider.query([rt], Query()).resources[0][1]
    before = store.scans
    assert _names(provider, f'id eq "{some["id"]}"') == [some["userName"]]
    assert _names(provider, 'id eq "missing"') == []
    assert store.scans == before


def test_other_filters_scan_and_match_case_insensitively(provider: ServiceProvider) -> None:
    """Filters without an indexed equality still work, through one scan."""
    assert _names(provider, 'userName sw "B" or userName ew "OL"') == ["Bob", "carol"]


def test_filters_on_computed_groups_see_memberships(provider: ServiceProvider) -> None:
    """User.groups is derived, yet `groups.value eq` finds the members (RFC 7643 §4.1.2)."""
    user_rt, group_rt = provider.resource_type("User"), provider.resource_type("Group")
    alice = provider.query([user_rt], Query(filter='userName eq "alice"')).resources[0][1]
    group = provider.create(
        group_rt, {"schemas": [GROUP], "displayName": "g", "members": [{"value": alice["id"]}]}
    )
    assert _names(provider, f'groups.value eq "{group["id"]}"') == ["alice"]
    assert _names(provider, f'groups.value eq "{group["id"]}" and userName eq "alice"') == [
        "alice"
    ]
