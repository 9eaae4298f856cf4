"""What the SQL backends share (scim_mock.store_sqlite, scim_mock.store_postgres): the store
contract of :class:`scim_mock.store.InMemoryStore` written once over five tables.

``resources`` holds each resource's JSON body in creation order (``seq``); ``uniq`` the
normalised unique values, whose primary key is what refuses a duplicate (P-3.3-07); ``vals``
the values ``eq`` is answered from (externalId, emails.value, members.value); ``members`` the
membership index (C-4.1.2-04); ``state`` the version counter and the uniqueness fingerprint
(:mod:`scim_mock.store_sqlite_schema` has the helpers that fill them).

* Every store write is one transaction, committed before the method returns;
  :meth:`SqlStore.transaction` lets the provider hold one across a read-modify-write, as the
  in-memory store's lock does. A write inside a caller's transaction gets a savepoint of its
  own, so a refused write (a taken unique value) leaves the caller's transaction usable.
* A uniqueness-conflict rule other than the default (an extension's seam) is applied by reading
  the holder first, inside the same write transaction; the default rule is the database's own:
  a taken key is the driver's integrity error, turned into :class:`errors.Uniqueness`.
* The version counter lives in the database, so every process sharing it counts on from the
  same figure: monotonic, each modification a fresh weak ETag (P-3.14-06, C-3.1-22).

A dialect (a subclass) says how to reach its connection (:meth:`SqlStore._using`), how a write
transaction begins (and takes the write lock), how its placeholders are written, which error a
key violation raises, and how its tables are created. Statements here are written with ``?``
placeholders and upserts as ``INSERT ... ON CONFLICT ... DO UPDATE``, which SQLite (3.24+) and
PostgreSQL both accept.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
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
    held_by_another,
    unique_key,
    without_member,
)
from scim_mock.store_sql_index import SideTables

_PUT_STATE = (
    "INSERT INTO state VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


class Session:
    """One database connection as a store call uses it, and how deep its transaction is."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.depth = 0


class SqlStore(SideTables, StoreRules):
    """A :class:`scim_mock.store.ResourceStore` (and :class:`scim_mock.store.ValueIndex`) over
    SQL tables; subclasses supply the dialect. The constructor's arguments are those of
    :class:`scim_mock.store.InMemoryStore`; a subclass calls :meth:`_setup` once it can
    connect."""

    #: What the driver raises when an INSERT violates a primary key or unique constraint.
    integrity_error: type[Exception]

    def __init__(
        self,
        unique: UniqueSpec | None,
        *,
        group_resource_type: str,
        conflict: ConflictRule,
        version_rule: VersionRule,
        clock: Callable[[], datetime] | None,
        ids: Callable[[], str] | None,
    ) -> None:
        super().__init__(unique, group_resource_type=group_resource_type, conflict=conflict,
                         version_rule=version_rule, clock=clock, ids=ids)  # fmt: skip
        # The default rule is the database's own: a taken key is an integrity error.
        self._db_unique = conflict is held_by_another
        self._parsed = tables.ParsedBodies()

    # -- the dialect -----------------------------------------------------------------------

    def _using(self) -> AbstractContextManager[Session]:
        """Hold the calling thread's connection for the duration (re-entrant)."""
        raise NotImplementedError

    def _current(self) -> Session:
        """The session the calling thread holds (inside :meth:`_using`)."""
        raise NotImplementedError

    def _begin(self, session: Session) -> None:
        """Begin a write transaction and take the write lock, so writes are serialised."""
        raise NotImplementedError

    def _finish(self, session: Session, commit: bool) -> None:
        session.conn.execute("COMMIT" if commit else "ROLLBACK")

    def _create_tables(self) -> None:
        """Create the tables when missing (before any other statement of the store)."""
        raise NotImplementedError

    def _placeholders(self, statement: str) -> str:
        """``statement`` with the dialect's placeholders instead of ``?``."""
        return statement

    def _key(self, text: str) -> str:
        """The form an index key is stored in (the dialect may bound or escape it)."""
        return text

    # -- connection and transactions ---------------------------------------------------------

    def _setup(self) -> None:
        spec = {rt: sorted(a.values()) for rt, a in sorted(self._unique_spec.items())}
        fingerprint = tables.dump(spec)
        with self._using():
            self._create_tables()
            with self.transaction():
                row = self._one("SELECT value FROM state WHERE name = 'unique'")
                if row is None or row[0] != fingerprint:
                    # Another uniqueness table (e.g. a persona) than the one the keys were
                    # built with: build them again from the resources.
                    self._rebuild_indexes()
                    self._sql(_PUT_STATE, ("unique", fingerprint))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (holding the write lock) for a get → compute → replace
        sequence.

        Re-entrant: the outermost one commits when it ends (rolls back on an exception), so the
        store's own writes inside it join it.
        """
        with self._using() as session:
            if session.depth:
                session.depth += 1
                try:
                    yield
                finally:
                    session.depth -= 1
                return
            self._begin(session)
            session.depth = 1
            try:
                yield
            except BaseException:
                self._finish(session, commit=False)
                raise
            else:
                self._finish(session, commit=True)
            finally:
                session.depth = 0

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A store write. Inside a caller's transaction it gets a savepoint, so a refused write
        leaves nothing behind; on its own, its transaction's rollback does that."""
        with self._using() as session:
            outermost = session.depth == 0
            with self.transaction():
                if outermost:
                    yield
                    return
                self._sql("SAVEPOINT store_write")
                try:
                    yield
                except BaseException:
                    self._sql("ROLLBACK TO store_write")
                    self._sql("RELEASE store_write")
                    raise
                self._sql("RELEASE store_write")

    def _sql(self, statement: str, args: Sequence[Any] = ()) -> Any:
        return self._current().conn.execute(self._placeholders(statement), args)

    def _many(self, statement: str, rows: builtins.list[tuple[Any, ...]]) -> None:
        if rows:
            self._current().conn.cursor().executemany(self._placeholders(statement), rows)

    def _one(self, statement: str, args: Sequence[Any] = ()) -> Any:
        return self._sql(statement, args).fetchone()

    def _bodies(self, statement: str, args: Sequence[Any]) -> builtins.list[Resource]:
        with self._using():
            rows = self._sql(statement, args).fetchall()
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
            self._reindex(resource_type, None, stored)
            return stored

    def get(self, resource_type: str, id: str) -> Resource:
        """The resource, or :class:`errors.NotFound` (also for an id of another type)."""
        with self._using():
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
            self._claim_unique(resource_type, new, id, current)
            self._touch(new, current, now)
            self._store(resource_type, new, current)
            return new

    def delete(
        self, resource_type: str, id: str, *, expected_version: str | None = None
    ) -> Resource:
        """Remove and return the resource; its unique values become free again (P-3.6-04)."""
        with self._write():
            current = self._require(resource_type, id)
            self._check_version(current, expected_version)
            self._reindex(resource_type, current, None)
            self._release_unique(resource_type, self._unique_values(resource_type, current), id)
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
        """The resources ``predicate`` accepts, in creation order (one pass over the type).

        The predicate sees bodies parsed once per process while their text is unchanged
        (:class:`store_sqlite_schema.ParsedBodies`; it must not change them); the caller gets
        fresh copies of the matches only.
        """
        with self._using():
            rows = self._sql(
                "SELECT id, body FROM resources WHERE rtype = ? ORDER BY seq", (resource_type,)
            ).fetchall()
        seen = self._parsed.get
        return [json.loads(body) for id, body in rows if predicate(seen(resource_type, id, body))]

    def count(self, resource_type: str) -> int:
        """How many resources of the type exist."""
        with self._using():
            row = self._one("SELECT COUNT(*) FROM resources WHERE rtype = ?", (resource_type,))
        return int(row[0])

    def page(self, resource_type: str, offset: int, limit: int) -> builtins.list[Resource]:
        """``limit`` resources from ``offset`` in creation order (:class:`store.PagedStore`):
        the offset is walked in the (rtype, seq) index, only the page's bodies are read."""
        return self._bodies(
            "SELECT body FROM resources WHERE seq IN (SELECT seq FROM resources WHERE rtype = ?"
            " ORDER BY seq LIMIT ? OFFSET ?) ORDER BY seq",
            (resource_type, max(limit, 0), max(offset, 0)),
        )

    def position(self, resource_type: str, id: str) -> int | None:
        """The 0-based place of ``id`` in creation order, or None (:class:`store.PagedStore`)."""
        with self._using():
            row = self._one(
                "SELECT (SELECT COUNT(*) FROM resources r"
                " WHERE r.rtype = t.rtype AND r.seq < t.seq)"
                " FROM resources t WHERE t.rtype = ? AND t.id = ?",
                (resource_type, id),
            )
        return None if row is None else int(row[0])

    # -- lookups ---------------------------------------------------------------------------

    def find_unique(self, resource_type: str, attribute: str, value: Any) -> Resource | None:
        """The resource holding ``value`` for a unique attribute, by its key (no scan).

        Raises ``KeyError`` when the attribute is not declared unique for the type.
        """
        name, case_exact = self._unique_spec[resource_type][attribute.lower()]
        found = self._bodies(
            "SELECT r.body FROM uniq u JOIN resources r ON r.rtype = u.rtype AND r.id = u.id"
            " WHERE u.rtype = ? AND u.attr = ? AND u.key = ?",
            (resource_type, name, self._key(tables.dump(unique_key(value, case_exact)))),
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
            (resource_type, resource_type, name, self._key(tables.value_key(value))),
        )

    def groups_of(self, member_id: str) -> builtins.list[str]:
        """Ids of the groups that list ``member_id`` directly in ``members`` (C-4.1.2-04)."""
        with self._using():
            rows = self._sql(
                "SELECT grp FROM members WHERE member = ? ORDER BY pos", (self._key(member_id),)
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
                self._store(self._group_type, new, current)
            return touched

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every resource. The version counter keeps counting, so no ETag is reused."""
        with self._write():
            for table in ("resources", "uniq", "vals", "members"):
                self._sql(f"DELETE FROM {table}")  # noqa: S608 - a fixed table name

    def snapshot(self) -> dict[str, Any]:
        """The whole state, in the format of :meth:`InMemoryStore.snapshot`."""
        # Under the write lock: the resources and the counter of one moment.
        with self.transaction():
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
            self._many(
                "INSERT INTO resources (rtype, id, body) VALUES (?, ?, ?)",
                [
                    (rtype, id, tables.dump(resource))
                    for rtype, table in snapshot["resources"].items()
                    for id, resource in table.items()
                ],
            )
            version = max(self._version(), int(snapshot["version"]))
            self._sql(_PUT_STATE, ("version", str(version)))
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

    def _store(self, resource_type: str, resource: Resource, old: Resource) -> None:
        """Write a modified resource (``old``: as stored) in place (its creation order stays)
        and re-index it."""
        self._sql(
            "UPDATE resources SET body = ? WHERE rtype = ? AND id = ?",
            (tables.dump(resource), resource_type, resource["id"]),
        )
        self._reindex(resource_type, old, resource)

    def _version(self) -> int:
        row = self._one("SELECT value FROM state WHERE name = 'version'")
        return 0 if row is None else int(row[0])

    def _next_version(self) -> str:
        # Under the write lock, so no two writers can read the same figure.
        version = self._version() + 1
        self._sql(_PUT_STATE, ("version", str(version)))
        return f'W/"{version}"'
