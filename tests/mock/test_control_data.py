"""Control data endpoints: the admin token, reset hooks, seed, snapshot/restore and the clock.

Over Flask's test client; deterministic (seeded data, the mock clock instead of sleeps).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from scim_mock import seed
from scim_mock.app import create_app
from scim_mock.clock import MockClock, format_instant, parse_instant
from scim_mock.config import MockConfig
from scim_mock.store import InMemoryStore
from tests.conftest import TOKEN, USER_SCHEMA, Scim, assert_scim_error, make_scim

ADMIN = "admin-secret"
FROZEN = "2026-01-01T00:00:00.000Z"


def control(
    scim: Scim, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, Any]:
    """A /_mock request with the SCIM token (or ``token``)."""
    headers = {"Authorization": f"Bearer {token or scim.token}"}
    response = scim.client.open(f"/_mock{path}", method=method, json=body, headers=headers)
    return response.status_code, response.get_json(silent=True)


def user_names(scim: Scim) -> list[str]:
    body = scim.get("/Users", query={"count": 1000}).get_json()
    return [u["userName"] for u in body["Resources"]]


# -- admin token ----------------------------------------------------------------------------


def test_admin_token_guards_the_control_api_and_the_scim_token_is_refused_there() -> None:
    """With --admin-token, /_mock takes it and only it; SCIM routes never take it."""
    scim = make_scim(admin_token=ADMIN)
    assert control(scim, "POST", "/reset", token=ADMIN)[0] == 204
    refused = scim.client.post("/_mock/reset", headers={"Authorization": f"Bearer {TOKEN}"})
    assert_scim_error(refused, 401)
    assert_scim_error(scim.client.post("/_mock/reset"), 401)
    assert scim.get("/Users").status_code == 200
    admin_on_scim = scim.client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {ADMIN}"})
    assert_scim_error(admin_on_scim, 401)


def test_without_admin_token_the_control_api_takes_the_scim_token() -> None:
    scim = make_scim()
    assert control(scim, "POST", "/reset")[0] == 204
    assert_scim_error(scim.client.post("/_mock/reset", headers={"Authorization": "Bearer x"}), 401)


def test_admin_token_equal_to_the_scim_token_opens_both() -> None:
    scim = make_scim(admin_token=TOKEN)
    assert control(scim, "POST", "/reset")[0] == 204
    assert scim.get("/Users").status_code == 200


def test_admin_token_with_scim_auth_off() -> None:
    """Auth off for SCIM does not open the control API when an admin token is set."""
    scim = make_scim(MockConfig(admin_token=ADMIN))
    assert scim.client.get("/scim/v2/Users").status_code == 200
    assert_scim_error(scim.client.get("/_mock/clock"), 401)
    assert control(scim, "GET", "/clock", token=ADMIN)[0] == 200


# -- reset -------------------------------------------------------------------------------


def test_reset_runs_the_registered_hooks_and_releases_clock_ids_and_snapshots(scim: Scim) -> None:
    app = scim.client.application
    calls: list[str] = []
    app.extensions["scim_mock"].extras["reset_hooks"].append(lambda: calls.append("hook"))
    control(scim, "POST", "/clock", {"freeze": FROZEN})
    control(scim, "POST", "/seed", {"users": 1, "groups": 0})
    status, snap = control(scim, "POST", "/snapshot")
    assert status == 201
    assert control(scim, "POST", "/reset")[0] == 204
    assert calls == ["hook"]
    assert control(scim, "GET", "/clock")[1]["frozen"] is False
    assert control(scim, "GET", "/snapshots")[1]["snapshots"] == []
    assert_scim_error(scim.client.post("/_mock/restore", json=snap, headers=scim.headers()), 404)
    # Ids are random again: two resets and creations give different ids.
    first = scim.create_user("a")["id"]
    control(scim, "POST", "/reset")
    assert scim.create_user("a")["id"] != first


# -- seed --------------------------------------------------------------------------------


def test_seed_creates_users_and_groups_with_memberships(scim: Scim) -> None:
    status, body = control(
        scim, "POST", "/seed", {"users": 8, "groups": 3, "seed": 42, "membersPerGroup": 4}
    )
    assert status == 201
    assert (body["users"], body["groups"], body["memberships"], body["seed"]) == (8, 3, 12, 42)
    assert len(body["userIds"]) == 8 and len(body["groupIds"]) == 3
    assert body["idsTruncated"] is False
    user = scim.get(f"/Users/{body['userIds'][0]}").get_json()
    assert user["userName"].endswith("@example.com")
    assert user["name"]["givenName"] and user["emails"][0]["value"] == user["userName"]
    assert user["active"] is True
    for group_id in body["groupIds"]:
        group = scim.get(f"/Groups/{group_id}").get_json()
        values = [m["value"] for m in group["members"]]
        assert len(values) == len(set(values)) == 4
        assert set(values) <= set(body["userIds"])


def test_same_seed_same_data_ids_and_memberships() -> None:
    """On an empty mock the same seed gives the same userNames, memberships and ids."""
    plan = {"users": 20, "groups": 4, "seed": 7, "membersPerGroup": 5}
    first, second = make_scim(), make_scim()
    a, b = control(first, "POST", "/seed", plan)[1], control(second, "POST", "/seed", plan)[1]
    assert a == b
    assert user_names(first) == user_names(second)
    group = a["groupIds"][2]
    members = [s.get(f"/Groups/{group}").get_json()["members"] for s in (first, second)]
    assert members[0] == members[1] and len(members[0]) == 5
    # Resources a client creates next get the same ids too.
    assert first.create_user("next")["id"] == second.create_user("next")["id"]


def test_other_seed_other_data() -> None:
    first, second = make_scim(), make_scim()
    control(first, "POST", "/seed", {"users": 10, "groups": 0, "seed": 1})
    control(second, "POST", "/seed", {"users": 10, "groups": 0, "seed": 2})
    assert user_names(first) != user_names(second)


def test_seed_defaults_with_an_empty_body(scim: Scim) -> None:
    response = scim.client.post("/_mock/seed", headers=scim.headers())
    assert response.status_code == 201
    body = response.get_json()
    assert (body["users"], body["groups"], body["seed"]) == (10, 3, 0)


def test_seed_user_names_are_unique() -> None:
    """Faker repeats names; the userNames stay unique (case-insensitively)."""
    users = seed.user_payloads(seed.SeedPlan(users=600, seed=3))
    names = [u["userName"].lower() for u in users]
    assert len(set(names)) == 600


@pytest.mark.parametrize(
    "body",
    [
        {"users": -1},
        {"users": seed.MAX_USERS + 1},
        {"groups": seed.MAX_GROUPS + 1},
        {"membersPerGroup": seed.MAX_MEMBERS_PER_GROUP + 1},
        {"users": "10"},
        {"seed": True},
        {"user": 3},
        [1, 2],
        {"users": 2000, "groups": 2000, "membersPerGroup": 1000},
    ],
    ids=["negative", "too-many-users", "too-many-groups", "too-many-members", "string",
         "bool-seed", "unknown-field", "not-an-object", "too-many-memberships"],
)  # fmt: skip
def test_seed_refuses_bad_plans(scim: Scim, body: Any) -> None:
    response = scim.client.post("/_mock/seed", json=body, headers=scim.headers())
    assert_scim_error(response, 400, "invalidValue")
    assert scim.get("/Users").get_json()["totalResults"] == 0


def test_a_failed_seed_leaves_nothing_behind(scim: Scim) -> None:
    """Seeding twice with the same seed collides on userName: 409 and no partial data."""
    control(scim, "POST", "/seed", {"users": 5, "groups": 1})
    before = user_names(scim)
    response = scim.client.post(
        "/_mock/seed", json={"users": 6, "groups": 1}, headers=scim.headers()
    )
    assert_scim_error(response, 409, "uniqueness")
    assert user_names(scim) == before
    assert scim.get("/Groups").get_json()["totalResults"] == 1


def test_seed_answer_lists_a_bounded_number_of_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seed, "MAX_LISTED_IDS", 3)
    status, body = control(make_scim(), "POST", "/seed", {"users": 5, "groups": 0})
    assert status == 201 and body["users"] == 5
    assert len(body["userIds"]) == 3 and body["idsTruncated"] is True


# -- snapshot and restore -----------------------------------------------------------------


def test_restore_returns_to_the_snapshot_exactly(scim: Scim) -> None:
    control(scim, "POST", "/seed", {"users": 4, "groups": 2, "membersPerGroup": 2})
    before = scim.get("/Users").get_json(), scim.get("/Groups").get_json()
    status, snap = control(scim, "POST", "/snapshot")
    assert status == 201 and isinstance(snap["snapshot"], str)
    victim = before[0]["Resources"][0]
    assert scim.delete(f"/Users/{victim['id']}").status_code == 204
    scim.create_user("newcomer")
    assert control(scim, "POST", "/restore", snap) == (200, {"restored": snap["snapshot"]})
    assert (scim.get("/Users").get_json(), scim.get("/Groups").get_json()) == before
    response = scim.get(f"/Users/{victim['id']}")
    assert response.headers["ETag"] == victim["meta"]["version"]


def test_restore_replays_the_same_ids_after_a_seed() -> None:
    scim = make_scim()
    control(scim, "POST", "/seed", {"users": 2, "groups": 0, "seed": 5})
    snap = control(scim, "POST", "/snapshot")[1]
    first = scim.create_user("again")["id"]
    control(scim, "POST", "/restore", snap)
    assert scim.create_user("again")["id"] == first


def test_snapshots_are_listed_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seed, "MAX_SNAPSHOTS", 2)
    scim = make_scim()
    names = [control(scim, "POST", "/snapshot")[1]["snapshot"] for _ in range(3)]
    assert len(set(names)) == 3
    assert control(scim, "GET", "/snapshots")[1] == {"snapshots": names[1:], "limit": 2}
    response = scim.client.post(
        "/_mock/restore", json={"snapshot": names[0]}, headers=scim.headers()
    )
    assert_scim_error(response, 404)


@pytest.mark.parametrize("body", [None, {}, {"snapshot": 3}, ["snap-1"]])
def test_restore_needs_a_snapshot_id(scim: Scim, body: Any) -> None:
    response = scim.client.post("/_mock/restore", json=body, headers=scim.headers())
    assert_scim_error(response, 400, "invalidValue")


# -- clock -------------------------------------------------------------------------------


def test_frozen_clock_makes_meta_deterministic() -> None:
    """Two fresh mocks, frozen at one instant, give identical meta (ids seeded too)."""
    metas = []
    for _ in range(2):
        scim = make_scim()
        control(scim, "POST", "/clock", {"freeze": FROZEN})
        control(scim, "POST", "/seed", {"users": 0, "groups": 0, "seed": 9})
        user = scim.create_user("a")
        changed = scim.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "b"})
        metas.append((user["meta"], changed.get_json()["meta"], changed.headers["ETag"]))
    assert metas[0] == metas[1]
    created, modified, _ = metas[0]
    assert created["created"] == created["lastModified"] == FROZEN
    # lastModified still moves on, by the smallest step, when the clock stands still.
    assert modified["lastModified"] == "2026-01-01T00:00:00.001Z"


def test_advance_moves_meta_on(scim: Scim) -> None:
    control(scim, "POST", "/clock", {"freeze": FROZEN})
    user = scim.create_user("a")
    status, state = control(scim, "POST", "/clock", {"advance": 90})
    assert status == 200 and state["now"] == "2026-01-01T00:01:30.000Z" and state["frozen"]
    changed = scim.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "b"})
    assert changed.get_json()["meta"]["lastModified"] == "2026-01-01T00:01:30.000Z"
    assert changed.get_json()["meta"]["created"] == FROZEN


def test_clock_get_unfreeze_and_freeze_now(scim: Scim) -> None:
    status, state = control(scim, "GET", "/clock")
    assert status == 200 and state["frozen"] is False and state["offsetSeconds"] == 0
    assert control(scim, "POST", "/clock", {"freeze": True})[1]["frozen"] is True
    state = control(scim, "POST", "/clock", {"unfreeze": True})[1]
    assert state["frozen"] is False


def test_freeze_accepts_an_offset(scim: Scim) -> None:
    state = control(scim, "POST", "/clock", {"freeze": "2026-01-01T02:00:00+02:00"})[1]
    assert state["now"] == FROZEN


@pytest.mark.parametrize(
    "body",
    [{}, {"freeze": "yesterday"}, {"freeze": "2026-01-01T00:00:00"}, {"freeze": 3},
     {"advance": -1}, {"advance": "1"}, {"advance": True}, {"advance": 1e12},
     {"unfreeze": "yes"}, {"rewind": 3}, [1]],
)  # fmt: skip
def test_clock_refuses_bad_bodies(scim: Scim, body: Any) -> None:
    response = scim.client.post("/_mock/clock", json=body, headers=scim.headers())
    assert_scim_error(response, 400, "invalidValue")


def test_mock_clock_unit() -> None:
    """Unfrozen it follows its source plus the offsets; frozen it stands still."""
    base = datetime(2030, 5, 1, tzinfo=timezone.utc)
    ticks = [base]
    clock = MockClock(lambda: ticks[0])
    assert clock.now() == base
    clock.advance(10)
    assert clock.now() == base + timedelta(seconds=10)
    clock.freeze()
    ticks[0] = base + timedelta(hours=1)
    assert clock.now() == base + timedelta(seconds=10)
    clock.unfreeze()  # runs on from where it stood
    assert clock.now() == base + timedelta(seconds=10)
    ticks[0] += timedelta(seconds=5)
    assert clock.now() == base + timedelta(seconds=15)
    clock.reset()
    assert clock.now() == ticks[0] and not clock.frozen
    naive = clock.freeze(datetime(2031, 1, 1))
    assert naive.tzinfo is timezone.utc
    assert format_instant(parse_instant("2031-01-01T00:00:00Z")) == "2031-01-01T00:00:00.000Z"
    with pytest.raises(ValueError):
        parse_instant(3)  # type: ignore[arg-type]


def test_store_takes_its_clock_and_ids() -> None:
    """The store stays testable: "now" and ids are injected."""
    moment = datetime(2027, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    ids = iter(["one", "one", "two"])
    store = InMemoryStore(clock=lambda: moment, ids=lambda: next(ids))
    first = store.create("User", {"userName": "a"})
    second = store.create("User", {"userName": "b"})  # a taken id is drawn again
    assert (first["id"], second["id"]) == ("one", "two")
    assert first["meta"]["created"] == "2027-03-04T05:06:07.000Z"


def test_journal_and_app_share_one_clock() -> None:
    app = create_app(MockConfig())
    extras = app.extensions["scim_mock"].extras
    assert isinstance(extras["clock"], MockClock)
    assert extras["service_provider"].store is not None


def test_serve_takes_an_admin_token() -> None:
    from scim_mock.__main__ import _parser, config_from_args

    args = _parser().parse_args(["serve", "--token", "t", "--admin-token", "adm"])
    assert config_from_args(args).admin_token == "adm"
    assert config_from_args(_parser().parse_args(["serve"])).admin_token is None
    with pytest.raises(ValueError):
        MockConfig().with_options([("admin_token", "x")])  # its own flag, not an --option
