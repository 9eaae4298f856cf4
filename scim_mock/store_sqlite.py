"""A durable :class:`scim_mock.store.ResourceStore` over the standard library's sqlite3 (WAL).

:class:`SqliteStore` keeps the contract of :class:`scim_mock.store.InMemoryStore` (ids, meta,
versions, uniqueness, the membership index, snapshot and restore) in one SQLite file, so that a
restart keeps every resource and several processes can share one file.

* Every store write is one transaction (``BEGIN IMMEDIATE``), committed before the method
  returns; :meth:`SqliteStore.transaction` lets the provider hold one across a
  read-modify-write, as the in-memory store's lock does, and commits when it ends, so a SCIM
  write is durable before its response is sent. An exception rolls the transaction back.
* Uniqueness (P-3.3-07) is a primary key of the ``uniq`` side table over the normalised values
  (:func:`scim_mock.store.unique_key`), so the database itself refuses a duplicate and two
  racing creates cannot both win; the violation becomes the same :class:`errors.Uniqueness`.
  A uniqueness-conflict rule other than the default (an extension's seam) is applied by reading
  the holder first, inside the same write transaction.
* ``eq`` on externalId, emails.value and members.value is answered from the ``vals`` side table
  (:meth:`SqliteStore.find_by_value`), id and unique attributes from their keys, so those
  lookups never scan.

Durability: WAL with ``synchronous=NORMAL`` survives a killed process (SIGKILL) without losing
a committed write; only an operating-system crash or power loss may drop the last commits.
"""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from scim_mock import errors
from scim_mock import store_sqlite_schema as tables
from scim_mock.store_rules import (
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


class SqliteStore(StoreRules):
    """A :class:`scim_mock.store.ResourceStore` in one SQLite database file (WAL mode).

    The arguments after ``path`` are those of :class:`scim_mock.store.InMemoryStore`.
    ``path`` may be ``":memory:"`` (a private database, gone with the store). The connection
    is opened again after a ``fork`` (a pre-forking server), never shared between processes.
    """

    def __init__(
        self,
        path: str,
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
        self.path = path
        # The default rule is the database's own: a taken key is an IntegrityError.
        self._db_unique = conflict is held_by_another
        self._lock = threading.RLock()
        self._depth = 0
        self._pid = -1
        self._db: sqlite3.Connection | None = None
        self._setup()

    # -- connection and transactions ---------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            # isolation_level=None: no implicit transactions, ours are explicit.
            self._db = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._pid = os.getpid()
        return self._db

    def close(self) -> None:
        """Close the connection (a later call opens it again)."""
        with self._lock:
            if self._db is not None and self._pid == os.getpid():
                self._db.close()
            self._db = None

    def _setup(self) -> None:
        spec = {rt: sorted(a.values()) for rt, a in sorted(self._unique_spec.items())}
        fingerprint = tables.dump(spec)
        with self._lock:
            self._conn().executescript(tables.SCHEMA)
            with self.transaction():
                row = self._one("SELECT value FROM state WHERE name = 'unique'")
                if row is None or row[0] != fingerprint:
                    # Another uniqueness table (e.g. a persona) than the one the keys were
                    # built with: build them again from the resources.
                    self._rebuild_indexes()
                    self._sql("INSERT OR REPLACE INTO state VALUES ('unique', ?)", (fingerprint,))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (``BEGIN IMMEDIATE``) for a get → compute → replace sequence.

        Re-entrant: the outermost one commits when it ends (rolls back on an exception), so the
        store's own writes inside it join it.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            else:
                conn.execute("COMMIT")
            finally:
                self._depth = 0

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A store write: its own savepoint, so a refused write leaves nothing behind."""
        with self.transaction():
            conn = self._conn()
            conn.execute("SAVEPOINT write")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK TO write")
                conn.execute("RELEASE write")
                raise
            conn.execute("RELEASE write")

    def _sql(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self._conn().execute(sql, args)

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> Any:
        return self._sql(sql, args).fetchone()

    def _bodies(self, sql: str, args: tuple[Any, ...] = ()) -> builtins.list[Resource]:
        with self._lock:
            rows = self._sql(sql, args).fetchall()
        return [json.loads(row[0]) for row in rows]

    # -- CRUD ------------------------------------------------------------------------------

    def create(
        self, resource_type: str, resource: Mapping[str, Any], *, now: datetime | None = None
    ) -> Resource:
        """Store a new resource with a server-assigned id and meta (C-3.1-02, P-3.3.1-01)."""
        with self._write():
            id = self._new_id()
            while self._find(resource_type, id) is not None:
                id = self._new_id()
            stamp = format_timestamp(now or self._now())
            stored = _shape(resource, id, {"resourceType": resource_type})
            stored["meta"].update(created=stamp, lastModified=stamp)
            self._claim_unique(resource_type, stored, None)
            stored["meta"]["version"] = self._next_version()
            self._sql(
                "INSERT INTO resources (rtype, id, body) VALUES (?, ?, ?)",
                (resource_type, id, tables.dump(stored)),
            )
            self._index(resource_type, stored)
            return stored

    def get(self, resource_type: str, id: str) -> Resource:
        """The resource, or :class:`errors.NotFound` (also for an id of another type)."""
        with self._lock:
            return self._require(resource_type, id)

    def replace(
        self,
        resource_type: str,
        id: str,
        resource: Mapping[str, Any],
        *,
        expected_version: str | None = None,
        now: datetime | None = None,
    ) -> Resource:
        """Replace every attribute but id and meta, as :meth:`InMemoryStore.replace` does."""
        with self._write():
            current = self._require(resource_type, id)
            self._check_version(current, expected_version)
            new = _shape(resource, id, dict(current["meta"]))
            if _content(new) == _content(current):
                return current
            self._claim_unique(resource_type, new, id)
            self._touch(new, current, now)
            self._store(resource_type, new)
            return new

    def delete(
        self, resource_type: str, id: str, *, expected_version: str | None = None
    ) -> Resource:
        """Remove and return the resource; its unique values become free again (P-3.6-04)."""
        with self._write():
            current = self._require(resource_type, id)
            self._check_version(current, expected_version)
            self._unindex(resource_type, id)
            self._sql("DELETE FROM uniq WHERE rtype = ? AND id = ?", (resource_type, id))
            self._sql("DELETE FROM resources WHERE rtype = ? AND id = ?", (resource_type, id))
            return current

    def list(self, resource_type: str) -> builtins.list[Resource]:
        """Every resource of the type, in creation order."""
        return self._bodies(
            "SELECT body FROM resources WHERE rtype = ? ORDER BY seq", (resource_type,)
        )

    def select(
        self, resource_type: str, predicate: Callable[[Resource], bool]
    ) -> builtins.list[Resource]:
        """The resources ``predicate`` accepts, in creation order (one pass over the type)."""
        return [r for r in self.list(resource_type) if predicate(r)]

    def count(self, resource_type: str) -> int:
        """How many resources of the type exist."""
        with self._lock:
            row = self._one("SELECT COUNT(*) FROM resources WHERE rtype = ?", (resource_type,))
        return int(row[0])

    # -- lookups ---------------------------------------------------------------------------

    def find_unique(self, resource_type: str, attribute: str, value: Any) -> Resource | None:
        """The resource holding ``value`` for a unique attribute, by its key (no scan).

        Raises ``KeyError`` when the attribute is not declared unique for the type.
        """
        name, case_exact = self._unique_spec[resource_type][attribute.lower()]
        found = self._bodies(
            "SELECT r.body FROM uniq u JOIN resources r ON r.rtype = u.rtype AND r.id = u.id"
            " WHERE u.rtype = ? AND u.attr = ? AND u.key = ?",
            (resource_type, name, tables.dump(unique_key(value, case_exact))),
        )
        return found[0] if found else None

    def find_by_external_id(self, resource_type: str, external_id: str) -> builtins.list[Resource]:
        """Resources whose externalId equals ``external_id`` exactly (C-3.1-12), by index."""
        candidates = self.find_by_value(resource_type, "externalId", external_id) or []
        return [r for r in candidates if r.get("externalId") == external_id]

    def find_by_value(
        self, resource_type: str, attribute: str, value: str
    ) -> builtins.list[Resource] | None:
        """Resources holding ``value`` (case-insensitively) in an indexed attribute.

        ``attribute`` is ``externalId``, ``emails.value`` or ``members.value`` (any case); the
        answer is a superset of the resources an ``eq`` filter selects, in creation order.
        None when the attribute is not indexed (the caller scans instead).
        """
        name = attribute.lower()
        if name not in tables.INDEXED_VALUES:
            return None
        return self._bodies(
            "SELECT r.body FROM resources r WHERE r.rtype = ? AND r.id IN"
            " (SELECT id FROM vals WHERE rtype = ? AND attr = ? AND key = ?) ORDER BY r.seq",
            (resource_type, resource_type, name, tables.value_key(value)),
        )

    def groups_of(self, member_id: str) -> builtins.list[str]:
        """Ids of the groups that list ``member_id`` directly in ``members`` (C-4.1.2-04)."""
        with self._lock:
            rows = self._sql(
                "SELECT grp FROM members WHERE member = ? ORDER BY pos", (member_id,)
            ).fetchall()
        return builtins.list(dict.fromkeys(row[0] for row in rows))

    def remove_member_everywhere(
        self, member_id: str, *, now: datetime | None = None
    ) -> builtins.list[str]:
        """Drop ``member_id`` from every group's members; return the ids of touched groups."""
        with self._write():
            touched = self.groups_of(member_id)
            for group_id in touched:
                current = self._require(self._group_type, group_id)
                new = without_member(current, member_id)
                self._touch(new, current, now)
                self._store(self._group_type, new)
            return touched

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every resource. The version counter keeps counting, so no ETag is reused."""
        with self._write():
            for table in ("resources", "uniq", "vals", "members"):
                self._sql(f"DELETE FROM {table}")  # noqa: S608 - a fixed table name

    def snapshot(self) -> dict[str, Any]:
        """The whole state, in the format of :meth:`InMemoryStore.snapshot`."""
        with self._lock:
            rows = self._sql("SELECT rtype, id, body FROM resources ORDER BY seq").fetchall()
            version = self._version()
        resources: dict[str, dict[str, Resource]] = {}
        for rtype, id, body in rows:
            resources.setdefault(rtype, {})[id] = json.loads(body)
        return {"resources": resources, "version": version}

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Return to a :meth:`snapshot`. The version counter never goes backwards."""
        with self._write():
            self._sql("DELETE FROM resources")
            for rtype, table in snapshot["resources"].items():
                for id, resource in table.items():
                    self._sql(
                        "INSERT INTO resources (rtype, id, body) VALUES (?, ?, ?)",
                        (rtype, id, tables.dump(resource)),
                    )
            version = max(self._version(), int(snapshot["version"]))
            self._sql("INSERT OR REPLACE INTO state VALUES ('version', ?)", (str(version),))
            self._rebuild_indexes()

    # -- internals -------------------------------------------------------------------------

    def _find(self, resource_type: str, id: str) -> Resource | None:
        row = self._one(
            "SELECT body FROM resources WHERE rtype = ? AND id = ?", (resource_type, id)
        )
        return None if row is None else json.loads(row[0])

    def _require(self, resource_type: str, id: str) -> Resource:
        found = self._find(resource_type, id)
        if found is None:
            raise errors.NotFound(f"{resource_type} {id!r} not found.")
        return found

    def _store(self, resource_type: str, resource: Resource) -> None:
        """Write a modified resource in place (its creation order stays) and re-index it."""
        self._unindex(resource_type, resource["id"])
        self._sql(
            "UPDATE resources SET body = ? WHERE rtype = ? AND id = ?",
            (tables.dump(resource), resource_type, resource["id"]),
        )
        self._index(resource_type, resource)

    def _version(self) -> int:
        row = self._one("SELECT value FROM state WHERE name = 'version'")
        return 0 if row is None else int(row[0])

    def _next_version(self) -> str:
        # Kept in the database, so that every process sharing the file counts on from the
        # same figure: monotonic, each modification a fresh weak ETag (P-3.14-06, C-3.1-22).
        version = self._version() + 1
        self._sql("INSERT OR REPLACE INTO state VALUES ('version', ?)", (str(version),))
        return f'W/"{version}"'

    def _unique_values(self, resource_type: str, resource: Resource) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, case_exact in self._unique_spec.get(resource_type, {}).values():
            value = resource.get(name)
            if value is not None and not isinstance(value, (dict, builtins.list)):
                found[name] = tables.dump(unique_key(value, case_exact))
        return found

    def _claim_unique(self, resource_type: str, resource: Resource, own_id: str | None) -> None:
        """Take the resource's unique keys; :class:`errors.Uniqueness` when one is taken."""
        keys = self._unique_values(resource_type, resource)
        if not self._db_unique:
            for name, key in keys.items():
                row = self._one(
                    "SELECT id FROM uniq WHERE rtype = ? AND attr = ? AND key = ?",
                    (resource_type, name, key),
                )
                if row is not None and self._conflict(row[0], own_id):
                    raise self._taken(resource_type, name, resource)
        if own_id is not None:
            self._sql("DELETE FROM uniq WHERE rtype = ? AND id = ?", (resource_type, own_id))
        verb = "INSERT" if self._db_unique else "INSERT OR REPLACE"
        for name, key in keys.items():
            try:
                self._sql(
                    f"{verb} INTO uniq VALUES (?, ?, ?, ?)",
                    (resource_type, name, key, resource["id"]),
                )
            except sqlite3.IntegrityError:
                raise self._taken(resource_type, name, resource) from None

    @staticmethod
    def _taken(resource_type: str, name: str, resource: Resource) -> errors.Uniqueness:
        return errors.Uniqueness(
            f"{name} {resource[name]!r} is already used by another {resource_type}."
        )

    def _index(self, resource_type: str, resource: Resource) -> None:
        id = resource["id"]
        rows = [
            (resource_type, attr, tables.value_key(value), id)
            for attr, value in tables.indexed_values(resource, resource_type == self._group_type)
        ]
        self._conn().executemany("INSERT INTO vals VALUES (?, ?, ?, ?)", rows)
        if resource_type == self._group_type:
            self._conn().executemany(
                "INSERT INTO members (member, grp) VALUES (?, ?)",
                [(m, id) for m in tables.member_ids(resource)],
            )

    def _unindex(self, resource_type: str, id: str) -> None:
        self._sql("DELETE FROM vals WHERE rtype = ? AND id = ?", (resource_type, id))
        if resource_type == self._group_type:
            self._sql("DELETE FROM members WHERE grp = ?", (id,))

    def _rebuild_indexes(self) -> None:
        for table in ("uniq", "vals", "members"):
            self._sql(f"DELETE FROM {table}")  # noqa: S608 - a fixed table name
        rows = self._sql("SELECT rtype, body FROM resources ORDER BY seq").fetchall()
        for rtype, body in rows:
            resource = json.loads(body)
            for name, key in self._unique_values(rtype, resource).items():
                self._sql(
                    "INSERT OR REPLACE INTO uniq VALUES (?, ?, ?, ?)",
                    (rtype, name, key, resource["id"]),
                )
            self._index(rtype, resource)
