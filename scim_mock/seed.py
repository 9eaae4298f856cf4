"""Realistic test data for client developers: N users, M groups, K members each (``POST
/_mock/seed``).

The data is a pure function of the seed: the same seed gives the same userNames, names, emails,
externalIds, group names and memberships (with the same Faker version; names come from Faker's
``en_US`` provider seeded with ``seed_instance``, memberships from :class:`random.Random`).
Resources are created through the provider's operations, so validation, uniqueness and the
membership rules apply as to any client's POST.

Ids are deterministic too: seeding reseeds the store's id generator (:class:`SeededIds`), so
the same seed on an empty mock (fresh, reset or a new tenant) gives the same ids, and so do the
resources a client creates after it, in the same order.

Faker is imported only when data is generated (it is a core dependency of the distribution, but
the mock must start without paying for it).
"""

from __future__ import annotations

import random
import re
import threading
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from scim_mock.errors import InvalidValue, NotFound
from scim_mock.operations import Provider

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"

#: A million users in one request: the scale of a large directory sync (bench/scale.py). The
#: users are generated one at a time, so the request's memory is the store's, not a copy.
MAX_USERS = 1_000_000
MAX_GROUPS = 10_000
MAX_MEMBERS_PER_GROUP = 1_000
#: The most memberships one seed request creates in all (groups x membersPerGroup).
MAX_MEMBERSHIPS = 1_000_000
#: The most ids of each type the answer lists.
MAX_LISTED_IDS = 1_000
#: How many snapshots are kept (the oldest is dropped first).
MAX_SNAPSHOTS = 20
#: The domain of every seeded userName and email (reserved for examples, RFC 2606).
DOMAIN = "example.com"

_DEPARTMENTS = (
    "Engineering", "Sales", "Marketing", "Finance", "Support", "Legal", "Operations",
    "People", "Security", "Design", "Research", "Facilities",
)  # fmt: skip
_FIELDS = {"users": "users", "groups": "groups", "seed": "seed", "membersPerGroup": "members"}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class SeededIds:
    """The store's id generator: random UUIDs until :meth:`reseed`, then a seeded sequence.

    Seeded ids are still well-formed version-4 UUIDs, so they look like any server's.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rng: random.Random | None = None

    def __call__(self) -> str:
        with self._lock:
            if self._rng is None:
                return str(uuid.uuid4())
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def reseed(self, seed: int) -> None:
        """From now on, ids are a function of ``seed`` and of how many were drawn."""
        with self._lock:
            self._rng = random.Random(f"scim-mock-ids:{seed}")

    def randomize(self) -> None:
        """Back to random UUIDs (after a reset)."""
        with self._lock:
            self._rng = None

    def getstate(self) -> object:
        """The generator's position, kept with a snapshot so a restore replays the same ids."""
        with self._lock:
            return None if self._rng is None else self._rng.getstate()

    def setstate(self, state: object) -> None:
        """Return to a :meth:`getstate` position."""
        with self._lock:
            if state is None:
                self._rng = None
            else:
                self._rng = random.Random()
                self._rng.setstate(state)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SeedPlan:
    """What to create: ``users`` users, ``groups`` groups of ``members`` users each."""

    users: int = 10
    groups: int = 3
    seed: int = 0
    members: int = 5

    @classmethod
    def from_json(cls, body: Any) -> SeedPlan:
        """The plan a request body asks for (None: the defaults); InvalidValue names a
        wrong or unknown field, or a size above the bounds."""
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            raise InvalidValue(
                'Send {"users": N, "groups": M, "seed": S, "membersPerGroup": K} (all optional).'
            )
        unknown = sorted(set(body) - set(_FIELDS))
        if unknown:
            raise InvalidValue(f"Unknown seed field(s) {unknown}; known: {sorted(_FIELDS)}.")
        values: dict[str, int] = {}
        for key, name in _FIELDS.items():
            if key in body:
                value = body[key]
                if not isinstance(value, int) or isinstance(value, bool):
                    raise InvalidValue(f"{key} must be an integer, got {value!r}.")
                values[name] = value
        plan = cls(**values)
        plan.check()
        return plan

    def check(self) -> None:
        """InvalidValue unless every size is within its bound."""
        for key, value, bound in (
            ("users", self.users, MAX_USERS),
            ("groups", self.groups, MAX_GROUPS),
            ("membersPerGroup", self.members, MAX_MEMBERS_PER_GROUP),
        ):
            if not 0 <= value <= bound:
                raise InvalidValue(f"{key} must be between 0 and {bound}, got {value}.")
        if self.groups * min(self.members, self.users) > MAX_MEMBERSHIPS:
            raise InvalidValue(f"groups x membersPerGroup must not exceed {MAX_MEMBERSHIPS}.")


@dataclass(frozen=True)
class SeedResult:
    """The ids created, in creation order, and how many memberships."""

    plan: SeedPlan
    user_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    memberships: int

    def to_json(self) -> dict[str, Any]:
        """The answer of ``POST /_mock/seed`` (ids bounded by :data:`MAX_LISTED_IDS`)."""
        return {
            "seed": self.plan.seed,
            "users": len(self.user_ids),
            "groups": len(self.group_ids),
            "memberships": self.memberships,
            "userIds": list(self.user_ids[:MAX_LISTED_IDS]),
            "groupIds": list(self.group_ids[:MAX_LISTED_IDS]),
            "idsTruncated": max(len(self.user_ids), len(self.group_ids)) > MAX_LISTED_IDS,
        }


def _word(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_WORD.sub("", ascii_text.lower()) or "user"


def _unique(candidate: str, taken: set[str], sep: str) -> str:
    """``candidate``, or with the first free number appended (compared case-insensitively)."""
    name, number = candidate, 1
    while name.lower() in taken:
        number += 1
        name = f"{candidate}{sep}{number}"
    taken.add(name.lower())
    return name


def user_payloads(plan: SeedPlan) -> list[dict[str, Any]]:
    """The users of ``plan``: core User resources with realistic names (deterministic)."""
    return list(iter_user_payloads(plan))


def iter_user_payloads(plan: SeedPlan) -> Iterator[dict[str, Any]]:
    """:func:`user_payloads`, one at a time."""
    from faker import Faker  # a second or so to import: only when seeding

    fake = Faker("en_US")
    fake.seed_instance(plan.seed)
    taken: set[str] = set()
    for index in range(plan.users):
        given, family = fake.first_name(), fake.last_name()
        local = _unique(f"{_word(given)}.{_word(family)}", taken, "")
        email = f"{local}@{DOMAIN}"
        yield {
            "schemas": [USER_SCHEMA],
            "userName": email,
            "externalId": f"seed-{plan.seed}-{index + 1:06d}",
            "name": {
                "givenName": given,
                "familyName": family,
                "formatted": f"{given} {family}",
            },
            "displayName": f"{given} {family}",
            "title": fake.job(),
            "emails": [{"value": email, "type": "work", "primary": True}],
            "active": True,
        }


def group_payloads(plan: SeedPlan, user_ids: list[str]) -> list[dict[str, Any]]:
    """The groups of ``plan``, each with ``plan.members`` distinct users of ``user_ids``."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(plan.seed + 1)
    rng = random.Random(f"scim-mock-members:{plan.seed}")
    size = min(plan.members, len(user_ids))
    taken: set[str] = set()
    groups = []
    for index in range(plan.groups):
        department = _DEPARTMENTS[index % len(_DEPARTMENTS)]
        name = department if index < len(_DEPARTMENTS) else f"{fake.city()} {department}"
        picked = sorted(rng.sample(range(len(user_ids)), size))
        group: dict[str, Any] = {
            "schemas": [GROUP_SCHEMA],
            "displayName": _unique(name, taken, " "),
            "externalId": f"seed-{plan.seed}-g{index + 1:05d}",
        }
        if picked:
            group["members"] = [{"value": user_ids[i], "type": "User"} for i in picked]
        groups.append(group)
    return groups


def run(provider: Provider, plan: SeedPlan) -> SeedResult:
    """Create the plan's users, then its groups, through ``provider`` (a ScimError stops it;
    the caller undoes a partial seed, see ``views/control_data``)."""
    users_rt = provider.resource_type("User")
    user_ids = [provider.create(users_rt, body)["id"] for body in iter_user_payloads(plan)]
    group_ids: list[str] = []
    memberships = 0
    if plan.groups:
        groups_rt = provider.resource_type("Group")
        for body in group_payloads(plan, user_ids):
            group_ids.append(provider.create(groups_rt, body)["id"])
            memberships += len(body.get("members", ()))
    return SeedResult(plan, tuple(user_ids), tuple(group_ids), memberships)


class Snapshots:
    """Saved states of the store (``POST /_mock/snapshot``), the newest :data:`MAX_SNAPSHOTS`.

    Each keeps the store's snapshot and the id generator's position, so restoring it and
    repeating the same requests gives the same ids again.
    """

    def __init__(self, limit: int = 0) -> None:
        self.limit = limit or MAX_SNAPSHOTS
        self._lock = threading.Lock()
        self._saved: dict[str, tuple[dict[str, Any], object]] = {}
        self._counter = 0

    def save(self, data: dict[str, Any], ids: object) -> str:
        """Keep ``data`` and ``ids`` under a new id (the oldest snapshot goes beyond the limit)."""
        with self._lock:
            self._counter += 1
            name = f"snap-{self._counter}"
            self._saved[name] = (data, ids)
            while len(self._saved) > self.limit:
                del self._saved[next(iter(self._saved))]
            return name

    def get(self, name: str) -> tuple[dict[str, Any], object]:
        """The snapshot called ``name``; NotFound when it is unknown or was dropped."""
        with self._lock:
            found = self._saved.get(name)
        if found is None:
            raise NotFound(
                f"No snapshot {name!r}: unknown, dropped by a reset or beyond the newest "
                f"{self.limit}."
            )
        return found

    def names(self) -> list[str]:
        """The snapshots kept, oldest first."""
        with self._lock:
            return list(self._saved)

    def clear(self) -> None:
        """Forget every snapshot (a reset). Their numbers keep counting, so none is reused."""
        with self._lock:
            self._saved.clear()
