"""A durable :class:`scim_mock.store.ResourceStore` over the standard library's sqlite3 (WAL).

:class:`SqliteStore` keeps the contract of :class:`scim_mock.store.InMemoryStore` (ids, meta,
versions, uniqueness, the membership index, snapshot and restore) in one SQLite file, so that a
restart keeps every resource and several processes can share one file. What it shares with
the PostgreSQL store is :class:`scim_mock.store_sql.SqlStore`; this module is the dialect.

* Every store write is one transaction (``BEGIN IMMEDIATE``, which takes SQLite's write lock
  at once), committed before the method returns; :meth:`SqliteStore.transaction` lets the
  provider hold one across a read-modify-write, as the in-memory store's lock does, and
  commits when it ends, so a SCIM write is durable before its response is sent. An exception
  rolls the transaction back.
* Uniqueness (P-3.3-07) is a primary key of the ``uniq`` side table over the normalised values
  (:func:`scim_mock.store.unique_key`), so the database itself refuses a duplicate and two
  racing creates cannot both win; the violation becomes the same :class:`errors.Uniqueness`.
* ``eq`` on externalId, emails.value and members.value is answered from the ``vals`` side table
  (:meth:`SqliteStore.find_by_value`), id and unique attributes from their keys, so those
  lookups never scan.

One connection serves the store's threads, one at a time (a re-entrant lock), so a
transaction is the connection's. Between processes (``--workers``), a writer first takes an
exclusive ``flock`` of ``PATH.lock``: the kernel queues writers and wakes the next one when the
lock is released, where SQLite's own busy handler would have them sleep and poll (with waits
of up to 100 ms, which under a write load from two workers became the latency).

Durability: WAL with ``synchronous=NORMAL`` survives a killed
process (SIGKILL) without losing a committed write; only an operating-system crash or power
loss may drop the last commits.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import IO, Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from scim_mock import store_sqlite_schema as tables
from scim_mock.store_rules import (
    ConflictRule,
    UniqueSpec,
    VersionRule,
    fresh_version,
    held_by_another,
)
from scim_mock.store_sql import Session, SqlStore


class SqliteStore(SqlStore):
    """A :class:`scim_mock.store.ResourceStore` in one SQLite database file (WAL mode).

    The arguments after ``path`` are those of :class:`scim_mock.store.InMemoryStore`.
    ``path`` may be ``":memory:"`` (a private database, gone with the store). The connection
    is opened again after a ``fork`` (a pre-forking server), never shared between processes.
    """

    integrity_error = sqlite3.IntegrityError

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
        self._lock = threading.RLock()
        self._pid = -1
        self._session: Session | None = None
        self._writers: IO[Any] | None = None
        self._setup()

    # -- the dialect -----------------------------------------------------------------------

    def _current(self) -> Session:
        if self._session is None or self._pid != os.getpid():
            # isolation_level=None: no implicit transactions, ours are explicit.
            conn = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._session = Session(conn)
            self._writers = None  # a lock file opened before a fork is the parent's
            if fcntl is not None and self.path != ":memory:" and not self.path.startswith("file:"):
                self._writers = open(f"{self.path}.lock", "a+b")  # kept open
            self._pid = os.getpid()
        return self._session

    @contextmanager
    def _using(self) -> Iterator[Session]:
        with self._lock:
            yield self._current()

    def _begin(self, session: Session) -> None:
        if self._writers is not None:
            fcntl.flock(self._writers, fcntl.LOCK_EX)
        try:
            session.conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release()
            raise

    def _finish(self, session: Session, commit: bool) -> None:
        try:
            super()._finish(session, commit)
        finally:
            self._release()

    def _release(self) -> None:
        if self._writers is not None:
            fcntl.flock(self._writers, fcntl.LOCK_UN)

    def _create_tables(self) -> None:
        conn = self._current().conn
        marks = ", ".join("?" for _ in tables.OLD_LAYOUT)
        old = conn.execute(
            f"SELECT 1 FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",  # noqa: S608
            tables.OLD_LAYOUT,
        ).fetchone()
        if old is not None:
            # The unique keys are rebuilt from the resources by _setup (no 'unique' mark).
            conn.executescript(tables.MIGRATE)
        conn.executescript(tables.SCHEMA)

    def close(self) -> None:
        """Close the connection (a later call opens it again)."""
        with self._lock:
            if self._session is not None and self._pid == os.getpid():
                self._session.conn.close()
                if self._writers is not None:
                    self._writers.close()
            self._session = None
            self._writers = None
