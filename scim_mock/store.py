"""Resource storage: ids, ``meta``, uniqueness and group-membership indexes (RFC 7643 §3.1).

:class:`ResourceStore` is the seam a persistent backend would implement; :class:`InMemoryStore`
is the one the mock uses. Resources go in and come out in canonical form (canonical attribute
names, extension values under their schema URN key). The store knows nothing about schemas
beyond the uniqueness table it is given: validation, mutability and projection happen in the
service layer before and after it.

Every value crosses the store boundary as a deep copy, so a caller can never reach stored
state, and every public method holds one re-entrant lock, which :meth:`transaction` lets a
caller hold across a read-modify-write.
"""

from __future__ import annotations

import builtins
import itertools
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from scim_mock import errors
from scim_mock.store_rules import (
    DEFAULT_UNIQUE,
    ConflictRule,
    Resource,
    StoreRules,
    UniqueSpec,
    VersionRule,
    _content,
    _shape,
    format_timestamp,
    fresh_version,
    held_by_another,
    unique_key,
    without_member,
)
from scim_mock.values import json_copy

# Re-exported: the store's callers name the shared types and rules through this module.
__all__ = [
    "DEFAULT_UNIQUE", "ConflictRule", "InMemoryStore", "Resource", "ResourceStore", "StoreRules",
    "UniqueSpec", "ValueIndex", "VersionRule", "format_timestamp", "fresh_version",
    "held_by_another", "unique_key", "without_member",
]  # fmt: skip

@runtime_checkable
class ResourceStore(Protocol):
    """What the service layer needs from a backend. ``resource_type`` is a ResourceType name."""

    def create(
        self, resource_type: str, resource: Mapping[str, Any], *, now: datetime | None = None
    ) -> Resource: ...

    def get(self, resource_type: str, id: str) -> Resource: ...

    def replace(
        self,
        resource_type: str,
        id: str,
        resource: Mapping[str, Any],
        *,
        expected_version: str | None = None,
        now: datetime | None = None,
    ) -> Resource: ...

    def delete(
        self, resource_type: str, id: str, *, expected_version: str | None = None
    ) -> Resource: ...

    def list(self, resource_type: str) -> builtins.list[Resource]: ...

    def count(self, resource_type: str) -> int: ...

    def select(
        self, resource_type: str, predicate: Callable[[Resource], bool]
    ) -> builtins.list[Resource]: ...

    def find_unique(self, resource_type: str, attribute: str, value: Any) -> Resource | None: ...

    def find_by_external_id(
        self, resource_type: str, external_id: str
    ) -> builtins.list[Resource]: ...

    def groups_of(self, member_id: str) -> builtins.list[str]: ...

    def remove_member_everywhere(
        self, member_id: str, *, now: datetime | None = None
    ) -> builtins.list[str]: ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def reset(self) -> None: ...

    def snapshot(self) -> dict[str, Any]: ...

    def restore(self, snapshot: Mapping[str, Any]) -> None: ...


@runtime_checkable
class ValueIndex(Protocol):
    """What a store with value indexes adds (the SQL stores, :class:`store_sql.SqlStore`).

    ``find_by_value`` answers ``eq`` on an indexed attribute ("externalId", "emails.value",
    "members.value") with a superset of the matching resources, or None when the attribute is
    not indexed; the query planner then runs the filter on that answer instead of a scan.
    """

    def find_by_value(
        self, resource_type: str, attribute: str, value: str
    ) -> builtins.list[Resource] | None: ...


@runtime_checkable
class PagedStore(Protocol):
    """What a store that serves one page without reading the rest adds (every store here).

    ``page`` returns ``limit`` resources of a type from the 0-based ``offset`` in creation order
    (fewer at the end), ``position`` the 0-based place of an id in that order (None when it is
    not there). An unfiltered, unsorted listing reads only its page this way, so a deep page
    costs what the page costs, not what the whole type does (:mod:`scim_mock.query`).
    """

    def count(self, resource_type: str) -> int: ...

    def page(self, resource_type: str, offset: int, limit: int) -> builtins.list[Resource]: ...

    def position(self, resource_type: str, id: str) -> int | None: ...


class InMemoryStore(StoreRules):
    """A thread-safe, dict-backed :class:`ResourceStore`.

    ``unique`` maps a resource type name to the attributes whose values must be unique within
    that type (P-3.3-07, C-7-22) with their caseExact flag. ``group_resource_type`` names the
    type whose ``members[].value`` feed the reverse membership index. ``conflict`` decides
    whether a taken unique value conflicts with a write and ``version_rule`` which version a
    modified resource gets; both are seams for extensions (:class:`scim_mock.seams.Seams`).
    ``clock`` gives "now" for meta timestamps and ``ids`` each new id (defaults: the wall clock,
    random UUIDs).
    """

    def __init__(
        self,
        unique: UniqueSpec | None = None,
        *,
        group_resource_type: str = "Group",
        conflict: ConflictRule = held_by_another,
        version_rule: VersionRule = fresh_version,
        clock: Callable[[], datetime] | None = None,
        ids: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(unique, group_resource_type=group_resource_type, conflict=conflict,
                         version_rule=version_rule, clock=clock, ids=ids)  # fmt: skip
        self._lock = threading.RLock()
        self._version = 0
        self._resources: dict[str, dict[str, Resource]] = {}
        self._unique: dict[tuple[str, str], dict[Any, str]] = {}
        self._external: dict[str, dict[str, dict[str, None]]] = {}
        self._members: dict[str, dict[str, None]] = {}

    # -- CRUD ------------------------------------------------------------------------------

    def create(
        self, resource_type: str, resource: Mapping[str, Any], *, now: datetime | None = None
    ) -> Resource:
        """Store a new resource with a server-assigned id and meta (C-3.1-02, P-3.3.1-01).

        ``meta.location`` is left to the HTTP layer. Raises :class:`errors.Uniqueness` when a
        unique value is taken (P-3.3-07).
        """
        with self._lock:
            id = self._new_id()
            while id in self._resources.get(resource_type, {}):
                id = self._new_id()
            stamp = format_timestamp(now or self._now())
            stored = _shape(resource, id, {"resourceType": resource_type})
            self._check_unique(resource_type, stored, None)
            # created == lastModified until the first modification (C-3.1-17).
            stored["meta"].update(created=stamp, lastModified=stamp, version=self._next_version())
            self._resources.setdefault(resource_type, {})[id] = stored
            self._index(resource_type, stored)
            return json_copy(stored)

    def get(self, resource_type: str, id: str) -> Resource:
        """The resource, or :class:`errors.NotFound` (also for an id of another type)."""
        with self._lock:
            return json_copy(self._require(resource_type, id))

    def replace(
        self,
        resource_type: str,
        id: str,
        resource: Mapping[str, Any],
        *,
        expected_version: str | None = None,
        now: datetime | None = None,
    ) -> Resource:
        """Replace every attribute but id and meta; bump lastModified and version.

        A replacement with identical content changes nothing, not even meta, so a no-op PATCH
        leaves lastModified alone (P-3.5.2.1-08) and the ETag changes only with the resource
        (P-3.14-06). ``expected_version`` is an If-Match value (P-3.14-05).
        """
        with self._lock:
            current = self._require(resource_type, id)
            self._check_version(current, expected_version)
            new = _shape(resource, id, dict(current["meta"]))
            if _content(new) == _content(current):
                return json_copy(current)
            self._check_unique(resource_type, new, id)
            self._touch(new, current, now)
            self._unindex(resource_type, current)
            self._resources[resource_type][id] = new
            self._index(resource_type, new)
            return json_copy(new)

    def delete(
        self, resource_type: str, id: str, *, expected_version: str | None = None
    ) -> Resource:
        """Remove and return the resource; its unique values become free again (P-3.6-04).

        Memberships *of* the deleted resource in groups are left for the service layer to
        clear with :meth:`remove_member_everywhere` (P-3.6-06).
        """
        with self._lock:
            current = self._require(resource_type, id)
            self._check_version(current, expected_version)
            self._unindex(resource_type, current)
            del self._resources[resource_type][id]
            return json_copy(current)

    def list(self, resource_type: str) -> builtins.list[Resource]:
        """Every resource of the type, in creation order."""
        with self._lock:
            return json_copy(builtins.list(self._resources.get(resource_type, {}).values()))

    def select(
        self, resource_type: str, predicate: Callable[[Resource], bool]
    ) -> builtins.list[Resource]:
        """Copies of the resources ``predicate`` accepts, in creation order.

        The predicate sees the stored objects themselves (it must not change them), so a query
        copies only what it returns rather than the whole table.
        """
        with self._lock:
            table = self._resources.get(resource_type, {})
            return [json_copy(r) for r in table.values() if predicate(r)]

    def count(self, resource_type: str) -> int:
        """How many resources of the type exist."""
        with self._lock:
            return len(self._resources.get(resource_type, {}))

    def page(self, resource_type: str, offset: int, limit: int) -> builtins.list[Resource]:
        """Copies of ``limit`` resources from ``offset`` in creation order (:class:`PagedStore`).

        Only the page is copied; reaching the offset walks the table's keys, not its values.
        """
        with self._lock:
            table = self._resources.get(resource_type, {})
            window = itertools.islice(table.values(), max(offset, 0), max(offset, 0) + limit)
            return [json_copy(r) for r in window]

    def position(self, resource_type: str, id: str) -> int | None:
        """The 0-based place of ``id`` in creation order, or None (:class:`PagedStore`)."""
        with self._lock:
            table = self._resources.get(resource_type, {})
            if id not in table:
                return None
            return next(i for i, key in enumerate(table) if key == id)

    # -- lookups ---------------------------------------------------------------------------

    def find_unique(self, resource_type: str, attribute: str, value: Any) -> Resource | None:
        """The resource holding ``value`` for a unique attribute, by index (no scan).

        Matching follows the attribute's caseExact flag. Raises ``KeyError`` when the attribute
        is not declared unique for the type, a programming error.
        """
        with self._lock:
            name, case_exact = self._unique_spec[resource_type][attribute.lower()]
            id = self._unique.get((resource_type, name), {}).get(unique_key(value, case_exact))
            return None if id is None else json_copy(self._resources[resource_type][id])

    def find_by_external_id(self, resource_type: str, external_id: str) -> builtins.list[Resource]:
        """Resources whose externalId equals ``external_id`` exactly (caseExact, C-3.1-12).

        externalId is not unique unless declared so, hence a list, in creation order.
        """
        with self._lock:
            ids = self._external.get(resource_type, {}).get(external_id, {})
            table = self._resources[resource_type] if ids else {}
            return [json_copy(table[i]) for i in ids]

    def groups_of(self, member_id: str) -> builtins.list[str]:
        """Ids of the groups that list ``member_id`` directly in ``members`` (C-4.1.2-04)."""
        with self._lock:
            return builtins.list(self._members.get(member_id, {}))

    def remove_member_everywhere(
        self, member_id: str, *, now: datetime | None = None
    ) -> builtins.list[str]:
        """Drop ``member_id`` from every group's members; return the ids of touched groups.

        Each touched group gets a new lastModified and version. A group left with no members
        loses the attribute, which becomes unassigned (P-3.5.2.2-04).
        """
        with self._lock:
            touched = builtins.list(self._members.get(member_id, {}))
            for group_id in touched:
                current = self._resources[self._group_type][group_id]
                new = without_member(current, member_id)
                self._touch(new, current, now)
                self._unindex(self._group_type, current)
                self._resources[self._group_type][group_id] = new
                self._index(self._group_type, new)
            return touched

    # -- state -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the store's lock so a get → compute → replace sequence is atomic."""
        with self._lock:
            yield

    def reset(self) -> None:
        """Forget every resource. The version counter keeps counting, so no ETag is reused."""
        with self._lock:
            self._resources.clear()
            self._rebuild_indexes()

    def snapshot(self) -> dict[str, Any]:
        """An opaque deep copy of the whole state, for :meth:`restore`."""
        with self._lock:
            return {"resources": json_copy(self._resources), "version": self._version}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Return to a :meth:`snapshot`. The version counter never goes backwards."""
        with self._lock:
            self._resources = json_copy(snapshot["resources"])
            self._version = max(self._version, int(snapshot["version"]))
            self._rebuild_indexes()

    # -- internals -------------------------------------------------------------------------

    def _require(self, resource_type: str, id: str) -> Resource:
        found = self._resources.get(resource_type, {}).get(id)
        if found is None:
            raise errors.NotFound(f"{resource_type} {id!r} not found.")
        return found

    def _next_version(self) -> str:
        # A per-store counter: monotonic, so each modification yields a fresh weak ETag
        # (P-3.14-06, C-3.1-22).
        self._version += 1
        return f'W/"{self._version}"'

    def _unique_values(self, resource_type: str, resource: Resource) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, case_exact in self._unique_spec.get(resource_type, {}).values():
            value = resource.get(name)
            if value is not None and not isinstance(value, (dict, builtins.list)):
                found[name] = unique_key(value, case_exact)
        return found

    def _check_unique(self, resource_type: str, resource: Resource, own_id: str | None) -> None:
        for name, key in self._unique_values(resource_type, resource).items():
            holder = self._unique.get((resource_type, name), {}).get(key)
            if holder is not None and self._conflict(holder, own_id):
                raise errors.Uniqueness(
                    f"{name} {resource[name]!r} is already used by another {resource_type}."
                )

    def _index(self, resource_type: str, resource: Resource) -> None:
        id = resource["id"]
        for name, key in self._unique_values(resource_type, resource).items():
            self._unique.setdefault((resource_type, name), {})[key] = id
        external = resource.get("externalId")
        if isinstance(external, str):
            self._external.setdefault(resource_type, {}).setdefault(external, {})[id] = None
        if resource_type == self._group_type:
            for member in _member_ids(resource):
                self._members.setdefault(member, {})[id] = None

    def _unindex(self, resource_type: str, resource: Resource) -> None:
        id = resource["id"]
        for name, key in self._unique_values(resource_type, resource).items():
            table = self._unique.get((resource_type, name), {})
            if table.get(key) == id:
                del table[key]
        external = resource.get("externalId")
        if isinstance(external, str):
            _discard(self._external.get(resource_type, {}), external, id)
        if resource_type == self._group_type:
            for member in _member_ids(resource):
                _discard(self._members, member, id)

    def _rebuild_indexes(self) -> None:
        self._unique.clear()
        self._external.clear()
        self._members.clear()
        for resource_type, table in self._resources.items():
            for resource in table.values():
                self._index(resource_type, resource)


def _member_ids(group: Resource) -> builtins.list[str]:
    members = group.get("members")
    if not isinstance(members, builtins.list):
        return []
    return [m["value"] for m in members if isinstance(m, dict) and isinstance(m.get("value"), str)]


def _discard(table: dict[str, dict[str, None]], key: str, id: str) -> None:
    entries = table.get(key)
    if entries is not None:
        entries.pop(id, None)
        if not entries:
            del table[key]
