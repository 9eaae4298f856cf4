"""Deep pages cost what the page costs: a plain listing reads only its page from the store.

An unfiltered, unsorted query of one type (index or RFC 9865 cursor paging; in memory, SQLite
or PostgreSQL) goes through :class:`scim_mock.store.PagedStore` (``page`` and ``position``),
never through ``list`` or ``select``, which read every resource of the type. The pages must
still be exactly the slices of the whole listing in creation order, with computed values
(User.groups) filled in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from store_contract import NoScan

from scim_mock.config import MockConfig
from scim_mock.provider import Query, ServiceProvider
from scim_mock.schema import SchemaRegistry
from scim_mock.seams import unique_attributes
from scim_mock.store import InMemoryStore

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


class _Counting(NoScan):
    """A store mixin: fails any whole-type read while ``scanning`` (store_contract.NoScan);
    counts the rows pages return."""

    rows_read = 0

    def page(self, resource_type: str, offset: int, limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = super().page(resource_type, offset, limit)  # type: ignore[misc]
        self.rows_read += len(found)
        return found


def _open(backend: str, request: pytest.FixtureRequest, unique: Any) -> Any:
    """A counting store of ``backend``: in memory, SQLite or PostgreSQL (a fresh database)."""
    if backend == "memory":
        return type("Counting", (_Counting, InMemoryStore), {})(unique)
    if backend == "sqlite":
        from scim_mock.store_sqlite import SqliteStore

        return type("Counting", (_Counting, SqliteStore), {})(":memory:", unique)
    pytest.importorskip("psycopg", reason="the PostgreSQL store needs psycopg")
    from scim_mock.store_postgres import PostgresStore

    server = request.getfixturevalue("postgres_server")  # tests/postgres_server.py
    url = server.url(server.create_database())
    return type("Counting", (_Counting, PostgresStore), {})(url, unique)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[ServiceProvider, _Counting, list[str]]]:
    registry = SchemaRegistry.load()
    store = _open(request.param, request, unique_attributes(registry))
    provider = ServiceProvider(registry, MockConfig(), store=store)
    users = provider.resource_type("User")
    ids = [provider.create(users, {"schemas": [USER], "userName": f"u{i:03}"})["id"]
           for i in range(300)]  # fmt: skip
    provider.create(
        provider.resource_type("Group"),
        {"schemas": [GROUP], "displayName": "deep", "members": [{"value": ids[260]}]},
    )
    store.scanning = True
    yield provider, store, ids
    getattr(store, "close", lambda: None)()


def test_a_deep_index_page_reads_only_that_page(
    setup: tuple[ServiceProvider, _Counting, list[str]],
) -> None:
    provider, store, ids = setup
    result = provider.query([provider.resource_type("User")], Query(start_index=251, count=20))
    assert [r["id"] for _, r in result.resources] == ids[250:270]
    assert (result.total_results, result.start_index, result.items_per_page) == (300, 251, 20)
    assert store.rows_read == 20
    # Computed values are those of the full path: u260 is a member of "deep".
    assert [g["display"] for g in result.resources[10][1]["groups"]] == ["deep"]


def test_index_pages_past_the_end_and_empty_counts(
    setup: tuple[ServiceProvider, _Counting, list[str]],
) -> None:
    provider, store, ids = setup
    users = provider.resource_type("User")
    assert provider.query([users], Query(start_index=301, count=20)).resources == []
    last = provider.query([users], Query(start_index=295, count=20))
    assert [r["id"] for _, r in last.resources] == ids[294:]
    none = provider.query([users], Query(count=0))
    assert (none.resources, none.total_results) == ([], 300)
    assert store.rows_read == 6


def test_a_cursor_walk_is_the_whole_listing_and_reads_each_page_once(
    setup: tuple[ServiceProvider, _Counting, list[str]],
) -> None:
    provider, store, ids = setup
    users = provider.resource_type("User")
    walked: list[str] = []
    cursor = ""
    pages = 0
    while cursor is not None:
        result = provider.query([users], Query(cursor=cursor, count=50))
        walked += [r["id"] for _, r in result.resources]
        cursor = result.next_cursor  # type: ignore[assignment]
        pages += 1
    assert walked == ids and pages == 6
    # Each page reads its 50 rows, plus single rows for the anchors of its cursors.
    assert store.rows_read <= 300 + 2 * pages


def test_a_cursor_resumes_after_its_anchor_when_resources_before_it_go(
    setup: tuple[ServiceProvider, _Counting, list[str]],
) -> None:
    provider, _, ids = setup
    users = provider.resource_type("User")
    first = provider.query([users], Query(cursor="", count=100))
    for gone in ids[:10]:  # deleted before the cursor's position: nothing is skipped
        provider.delete(users, gone)
    second = provider.query([users], Query(cursor=first.next_cursor, count=100))
    assert [r["id"] for _, r in second.resources] == ids[100:200]
    assert second.total_results == 290


def test_a_filtered_or_sorted_listing_still_reads_the_type(
    setup: tuple[ServiceProvider, _Counting, list[str]],
) -> None:
    provider, store, _ = setup
    users = provider.resource_type("User")
    with pytest.raises(AssertionError, match="scanned User"):
        provider.query([users], Query(sort_by="userName", count=5))
    with pytest.raises(AssertionError, match="scanned User"):
        provider.query([users], Query(filter='userName sw "u1"', count=5))
    store.scanning = False
    sorted_page = provider.query([users], Query(sort_by="userName", sort_order="descending",
                                                count=2))  # fmt: skip
    assert [r["userName"] for _, r in sorted_page.resources] == ["u299", "u298"]
