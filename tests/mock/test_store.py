"""InMemoryStore: ids, meta, uniqueness, versions, membership index, copies and locking."""

from __future__ import annotations

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from scim_mock import errors
from scim_mock.store import InMemoryStore, ResourceStore, format_timestamp, unique_key

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def user(name: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER], "userName": name, **extra}


def group(name: str, *member_ids: str) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [GROUP], "displayName": name}
    if member_ids:
        body["members"] = [{"value": m, "type": "User"} for m in member_ids]
    return body


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore({"User": [("userName", False)], "Group": [("displayName", False)]})


def test_in_memory_store_satisfies_the_protocol(store: InMemoryStore) -> None:
    assert isinstance(store, ResourceStore)


# -- create ------------------------------------------------------------------------------


def test_create_assigns_uuid_id_and_meta_without_location(store: InMemoryStore) -> None:
    created = store.create("User", user("bjensen"), now=T0)
    assert str(uuid.UUID(created["id"])) == created["id"]
    assert created["meta"] == {
        "resourceType": "User",
        "created": "2024-05-01T12:00:00.000Z",
        "lastModified": "2024-05-01T12:00:00.000Z",
        "version": created["meta"]["version"],
    }
    assert re.fullmatch(r'W/"\d+"', created["meta"]["version"])
    assert list(created) == ["schemas", "id", "userName", "meta"]


def test_create_ignores_client_supplied_id_and_meta(store: InMemoryStore) -> None:
    body = user("x", id="client-id", meta={"created": "2000-01-01T00:00:00Z", "resourceType": "G"})
    created = store.create("User", body)
    assert created["id"] != "client-id"
    assert created["meta"]["resourceType"] == "User"
    assert created["meta"]["created"] != "2000-01-01T00:00:00Z"
    assert TIMESTAMP.match(created["meta"]["created"])


def test_created_equals_last_modified_and_versions_differ(store: InMemoryStore) -> None:
    a = store.create("User", user("a"))
    b = store.create("User", user("b"))
    assert a["meta"]["created"] == a["meta"]["lastModified"]
    assert a["meta"]["version"] != b["meta"]["version"]


def test_timestamps_are_utc_with_z() -> None:
    eastern = timezone(timedelta(hours=-5))
    assert format_timestamp(datetime(2024, 1, 1, 7, 0, 0, 123456, tzinfo=eastern)) == (
        "2024-01-01T12:00:00.123Z"
    )
    assert format_timestamp(datetime(2024, 1, 1)) == "2024-01-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("bjensen", "BJENSEN"),
        ("bjensen", "ｂｊｅｎｓｅｎ"),  # full-width (P-5-01)
        ("Ren\u00e9", "rene\u0301"),  # NFC vs NFD (P-7.8-01)
    ],
)
def test_duplicate_user_name_is_refused_with_uniqueness(
    store: InMemoryStore, first: str, second: str
) -> None:
    store.create("User", user(first))
    with pytest.raises(errors.Uniqueness) as info:
        store.create("User", user(second))
    assert info.value.status == 409 and info.value.scim_type == "uniqueness"
    assert store.count("User") == 1


def test_case_exact_unique_attribute_distinguishes_case() -> None:
    store = InMemoryStore({"User": [("externalId", True)]})
    store.create("User", user("a", externalId="Ab"))
    store.create("User", user("b", externalId="ab"))
    with pytest.raises(errors.Uniqueness):
        store.create("User", user("c", externalId="Ab"))
    assert unique_key("Ab", True) != unique_key("ab", True)


def test_uniqueness_is_per_resource_type(store: InMemoryStore) -> None:
    store.create("Group", group("Admins"))
    with pytest.raises(errors.Uniqueness):
        store.create("Group", group("admins"))
    store.create("User", user("admins"))  # a User may share a Group's name


def test_external_id_is_indexed_but_not_unique(store: InMemoryStore) -> None:
    a = store.create("User", user("a", externalId="E1"))
    b = store.create("User", user("b", externalId="E1"))
    store.create("User", user("c", externalId="e1"))
    assert [r["id"] for r in store.find_by_external_id("User", "E1")] == [a["id"], b["id"]]
    assert store.find_by_external_id("User", "nope") == []
    assert store.find_by_external_id("Group", "E1") == []


def test_find_unique_uses_the_folded_key(store: InMemoryStore) -> None:
    created = store.create("User", user("BJensen"))
    found = store.find_unique("User", "USERNAME", "bjensen")
    assert found is not None and found["id"] == created["id"]
    assert store.find_unique("User", "userName", "other") is None
    with pytest.raises(KeyError):
        store.find_unique("User", "nickName", "x")


# -- get / list / copies --------------------------------------------------------------------


def test_get_unknown_or_other_type_id_is_not_found(store: InMemoryStore) -> None:
    created = store.create("User", user("a"))
    with pytest.raises(errors.NotFound):
        store.get("User", "missing")
    with pytest.raises(errors.NotFound):
        store.get("Group", created["id"])
    with pytest.raises(errors.NotFound):
        store.get("Nothing", created["id"])


def test_callers_cannot_mutate_stored_state(store: InMemoryStore) -> None:
    body = user("a", emails=[{"value": "a@example.com"}])
    created = store.create("User", body)
    body["emails"][0]["value"] = "changed-input"
    created["emails"][0]["value"] = "changed-output"
    fetched = store.get("User", created["id"])
    fetched["meta"]["version"] = 'W/"x"'
    store.list("User")[0]["userName"] = "changed-list"
    again = store.get("User", created["id"])
    assert again["emails"] == [{"value": "a@example.com"}]
    assert again["userName"] == "a"
    assert again["meta"] == created["meta"]


def test_list_keeps_creation_order_and_count(store: InMemoryStore) -> None:
    ids = [store.create("User", user(f"u{i}"))["id"] for i in range(5)]
    assert [r["id"] for r in store.list("User")] == ids
    assert store.count("User") == 5
    assert store.count("Group") == 0 and store.list("Group") == []


# -- replace ----------------------------------------------------------------------------------


def test_replace_keeps_id_and_created_and_bumps_last_modified_and_version(
    store: InMemoryStore,
) -> None:
    created = store.create("User", user("a", nickName="x"), now=T0)
    later = T0 + timedelta(minutes=5)
    replaced = store.replace(
        "User", created["id"], user("a", title="t", id="other", meta={}), now=later
    )
    assert replaced["id"] == created["id"]
    assert "nickName" not in replaced and replaced["title"] == "t"
    assert replaced["meta"]["created"] == created["meta"]["created"]
    assert replaced["meta"]["resourceType"] == "User"
    assert replaced["meta"]["lastModified"] == "2024-05-01T12:05:00.000Z"
    assert replaced["meta"]["version"] != created["meta"]["version"]
    assert store.get("User", created["id"]) == replaced


def test_last_modified_moves_forward_even_if_the_clock_does_not(store: InMemoryStore) -> None:
    created = store.create("User", user("a"), now=T0)
    first = store.replace("User", created["id"], user("a", title="1"), now=T0)
    second = store.replace("User", created["id"], user("a", title="2"), now=T0 - timedelta(1))
    stamps = [created, first, second]
    assert [s["meta"]["lastModified"] for s in stamps] == [
        "2024-05-01T12:00:00.000Z",
        "2024-05-01T12:00:00.001Z",
        "2024-05-01T12:00:00.002Z",
    ]


def test_replace_with_identical_content_changes_nothing(store: InMemoryStore) -> None:
    created = store.create("User", user("a", title="t"), now=T0)
    same = store.replace("User", created["id"], user("a", title="t"), now=T0 + timedelta(1))
    assert same == created


def test_replace_rechecks_uniqueness_excluding_itself(store: InMemoryStore) -> None:
    a = store.create("User", user("alice"))
    b = store.create("User", user("bob"))
    store.replace("User", a["id"], user("ALICE", title="x"))  # its own value, new case
    with pytest.raises(errors.Uniqueness):
        store.replace("User", b["id"], user("Alice"))
    assert store.get("User", b["id"]) == b


def test_renamed_and_deleted_values_become_free(store: InMemoryStore) -> None:
    a = store.create("User", user("alice"))
    store.replace("User", a["id"], user("alicia"))
    store.create("User", user("alice"))
    store.delete("User", a["id"])
    assert store.find_unique("User", "userName", "alicia") is None
    store.create("User", user("alicia"))  # P-3.6-04


@pytest.mark.parametrize("method", ["replace", "delete"])
def test_stale_version_is_a_failed_precondition(store: InMemoryStore, method: str) -> None:
    created = store.create("User", user("a"))
    store.replace("User", created["id"], user("a", title="new"))
    with pytest.raises(errors.PreconditionFailed) as info:
        if method == "replace":
            store.replace(
                "User", created["id"], user("b"), expected_version=created["meta"]["version"]
            )
        else:
            store.delete("User", created["id"], expected_version=created["meta"]["version"])
    assert info.value.status == 412
    assert store.get("User", created["id"])["title"] == "new"


def test_matching_version_with_or_without_weak_prefix_or_star(store: InMemoryStore) -> None:
    created = store.create("User", user("a"))
    version = created["meta"]["version"]
    one = store.replace("User", created["id"], user("a", title="1"), expected_version=version)
    bare = one["meta"]["version"].removeprefix("W/")
    two = store.replace("User", created["id"], user("a", title="2"), expected_version=bare)
    three = store.replace("User", created["id"], user("a", title="3"), expected_version="*")
    assert store.delete("User", created["id"], expected_version=three["meta"]["version"])
    assert len({version, one["meta"]["version"], two["meta"]["version"]}) == 3


def test_replace_or_delete_unknown_is_not_found(store: InMemoryStore) -> None:
    with pytest.raises(errors.NotFound):
        store.replace("User", "missing", user("a"))
    with pytest.raises(errors.NotFound):
        store.delete("User", "missing")


def test_delete_returns_the_resource_and_it_is_gone(store: InMemoryStore) -> None:
    created = store.create("User", user("a"))
    assert store.delete("User", created["id"]) == created
    with pytest.raises(errors.NotFound):
        store.get("User", created["id"])
    assert store.count("User") == 0


# -- memberships ------------------------------------------------------------------------------


def test_groups_of_follows_group_create_replace_and_delete(store: InMemoryStore) -> None:
    g1 = store.create("Group", group("g1", "u1", "u2"))
    g2 = store.create("Group", group("g2", "u1"))
    assert store.groups_of("u1") == [g1["id"], g2["id"]]
    assert store.groups_of("u2") == [g1["id"]]
    assert store.groups_of("nobody") == []
    store.replace("Group", g1["id"], group("g1", "u2", "u3"))
    assert store.groups_of("u1") == [g2["id"]]
    assert store.groups_of("u3") == [g1["id"]]
    store.delete("Group", g2["id"])
    assert store.groups_of("u1") == []


def test_remove_member_everywhere_updates_touched_groups_only(store: InMemoryStore) -> None:
    g1 = store.create("Group", group("g1", "u1", "u2"), now=T0)
    g2 = store.create("Group", group("g2", "u1"), now=T0)
    g3 = store.create("Group", group("g3", "u2"), now=T0)
    later = T0 + timedelta(hours=1)
    assert store.remove_member_everywhere("u1", now=later) == [g1["id"], g2["id"]]
    after1, after2 = store.get("Group", g1["id"]), store.get("Group", g2["id"])
    assert after1["members"] == [{"value": "u2", "type": "User"}]
    assert "members" not in after2  # unassigned once empty (P-3.5.2.2-04)
    for before, after in ((g1, after1), (g2, after2)):
        assert after["meta"]["version"] != before["meta"]["version"]
        assert after["meta"]["lastModified"] == "2024-05-01T13:00:00.000Z"
    assert store.get("Group", g3["id"]) == g3
    assert store.groups_of("u1") == []
    assert store.remove_member_everywhere("u1") == []


def test_membership_index_ignores_non_group_types(store: InMemoryStore) -> None:
    store.create("User", user("a", members=[{"value": "u9"}]))
    assert store.groups_of("u9") == []


# -- state ------------------------------------------------------------------------------------


def test_reset_forgets_everything_but_never_reuses_versions(store: InMemoryStore) -> None:
    old = store.create("User", user("a"))
    store.create("Group", group("g", old["id"]))
    store.reset()
    assert store.count("User") == store.count("Group") == 0
    assert store.groups_of(old["id"]) == []
    new = store.create("User", user("a"))  # the name is free again
    assert new["meta"]["version"] != old["meta"]["version"]


def test_snapshot_and_restore_round_trip(store: InMemoryStore) -> None:
    a = store.create("User", user("a", externalId="x"))
    g = store.create("Group", group("g", a["id"]))
    snap = store.snapshot()
    versions = {a["meta"]["version"], g["meta"]["version"]}
    store.delete("User", a["id"])
    store.create("User", user("b"))
    store.restore(snap)
    assert store.list("User") == [a]
    assert store.groups_of(a["id"]) == [g["id"]]
    assert store.find_by_external_id("User", "x") == [a]
    assert store.find_unique("User", "userName", "b") is None
    assert store.create("User", user("b"))["meta"]["version"] not in versions
    snap["resources"]["User"].clear()  # the snapshot is a copy, not a view
    assert store.count("User") == 2


def test_transaction_holds_the_lock_against_other_threads(store: InMemoryStore) -> None:
    created = store.create("User", user("counter", nickName="0"))
    entered = threading.Event()
    finished: list[str] = []

    def writer() -> None:
        entered.set()
        store.replace("User", created["id"], user("counter", nickName="other"))
        finished.append("writer")

    with store.transaction():
        current = store.get("User", created["id"])
        thread = threading.Thread(target=writer)
        thread.start()
        entered.wait(timeout=5)
        thread.join(timeout=0.2)
        assert thread.is_alive() and finished == []  # blocked until we leave
        store.replace("User", created["id"], user("counter", nickName=current["nickName"] + "1"))
        finished.append("transaction")
    thread.join(timeout=5)
    assert finished == ["transaction", "writer"]


# -- concurrency ------------------------------------------------------------------------------


def test_concurrent_creates_with_distinct_names_all_succeed(store: InMemoryStore) -> None:
    def work(thread: int) -> list[str]:
        return [store.create("User", user(f"t{thread}-u{i}"))["id"] for i in range(50)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [i for batch in pool.map(work, range(8)) for i in batch]
    assert len(ids) == len(set(ids)) == 400
    assert store.count("User") == 400
    versions = {r["meta"]["version"] for r in store.list("User")}
    assert len(versions) == 400


def test_concurrent_creates_of_the_same_name_let_exactly_one_win(store: InMemoryStore) -> None:
    barrier = threading.Barrier(8)

    def attempt(thread: int) -> str:
        barrier.wait(timeout=5)
        try:
            store.create("User", user("Contested" if thread % 2 else "contested"))
        except errors.Uniqueness:
            return "refused"
        return "created"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert sorted(outcomes) == ["created"] + ["refused"] * 7
    assert store.count("User") == 1
