"""A shared :class:`scim_mock.store.ResourceStore` in PostgreSQL (psycopg 3): several mock
processes, on one host or on several, serve one set of resources consistently.

:class:`PostgresStore` is the dialect of :class:`scim_mock.store_sql.SqlStore`, whose module
says what the tables hold; :mod:`scim_mock.store_sqlite` is the other one.

* **Writes are serialised across processes and hosts.** Each write transaction begins by
  taking a transaction-level advisory lock of its schema (``pg_advisory_xact_lock``), so the
  shared version counter, the ETags built from it (P-3.14-06, C-3.1-22) and the unique keys
  always move from one committed state to the next, and ``seq``, the creation order that lists
  and pages follow, is the commit order. Reads take no lock: each is one statement and sees
  what was committed (READ COMMITTED).
* **Uniqueness is the database's** (P-3.3-07): the primary key of ``uniq`` refuses a second
  holder of a normalised value, whichever process wrote the first; the violation becomes
  :class:`errors.Uniqueness`.
* **Connections**: the driver's autocommit is on, so psycopg never opens a transaction by
  itself; every write is an explicit ``BEGIN`` ... ``COMMIT`` (committed before the method
  returns), and :meth:`PostgresStore.transaction` holds one across a read-modify-write. A
  thread holds one connection for a call or a transaction, taken from a small pool of idle
  ones (a threaded server's threads come and go per request, connections stay). After a
  ``fork`` (a pre-forking server) the child never touches its parent's connections: it detaches
  them and connects anew. A connection found dropped (a restarted server) is replaced before
  its first statement is retried; a write cut off later fails, as it must.
* **Tenants** live in schemas of their own: ``scim_mock_tenant_<name>`` (long names end with a
  digest, as PostgreSQL truncates identifiers at 63 bytes), the root app in ``scim_mock``. The
  tables are created when missing, under the same advisory lock, so two processes that start
  at once do not race on them.
* **Bodies are text, not jsonb.** jsonb reorders object keys and drops duplicate ones; the
  mock answers with the representation it stored, in its canonical order, byte for byte as the
  SQLite store does. Nothing queries inside a body: ``eq`` on id, unique attributes,
  externalId, emails.value and members.value is answered from the keyed side tables
  (:meth:`PostgresStore.find_unique`, :meth:`PostgresStore.find_by_value`), never by a scan.
"""

from __future__ import annotations

import builtins
import hashlib
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.abc import Query
from psycopg.pq import TransactionStatus

from scim_mock.store_rules import (
    ConflictRule,
    UniqueSpec,
    VersionRule,
    fresh_version,
    held_by_another,
)
from scim_mock.store_sql import Session, SqlStore

ROOT_SCHEMA = "scim_mock"
TENANT_PREFIX = "scim_mock_tenant_"
#: Tenant names, as scim_mock.tenants admits them.
TENANT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1, in bytes
#: Index keys longer than this (UTF-8 bytes) are stored as their digest: a B-tree entry holds
#: at most about 2.7 kB, and a SCIM value has no such limit.
_MAX_KEY = 1024
#: Idle connections kept per store; a thread takes one for a call and gives it back.
_MAX_IDLE = 16

_DDL = (
    "CREATE SCHEMA IF NOT EXISTS {schema}",
    "CREATE TABLE IF NOT EXISTS {schema}.resources ("
    " seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " rtype TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (rtype, id))",
    "CREATE TABLE IF NOT EXISTS {schema}.uniq ("
    " rtype TEXT NOT NULL, attr TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,"
    " PRIMARY KEY (rtype, attr, key))",
    "CREATE INDEX IF NOT EXISTS resources_by_type ON {schema}.resources (rtype, seq)",
    "CREATE INDEX IF NOT EXISTS uniq_by_id ON {schema}.uniq (rtype, id)",
    "CREATE TABLE IF NOT EXISTS {schema}.vals ("
    " rtype TEXT NOT NULL, attr TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS vals_by_key ON {schema}.vals (rtype, attr, key)",
    "CREATE INDEX IF NOT EXISTS vals_by_id ON {schema}.vals (rtype, id)",
    "CREATE TABLE IF NOT EXISTS {schema}.members ("
    " pos BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " member TEXT NOT NULL, grp TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS members_by_member ON {schema}.members (member)",
    "CREATE INDEX IF NOT EXISTS members_by_group ON {schema}.members (grp)",
    "CREATE TABLE IF NOT EXISTS {schema}.state (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


def schema_name(tenant: str | None) -> str:
    """The PostgreSQL schema of a tenant (None: the root app's)."""
    if tenant is None:
        return ROOT_SCHEMA
    if not TENANT_NAME.fullmatch(tenant):
        raise ValueError(f"tenant names are 1 to 64 letters, digits, '_' or '-': {tenant!r}")
    name = TENANT_PREFIX + tenant
    if len(name) > _MAX_IDENTIFIER:
        # Truncated alike, two long names would share a schema; a digest keeps them apart.
        digest = hashlib.sha256(tenant.encode()).hexdigest()[:12]
        name = f"{name[: _MAX_IDENTIFIER - len(digest) - 1]}_{digest}"
    return name


def lock_key(schema: str) -> int:
    """The advisory lock (a signed 64-bit number) that serialises the writes of a schema."""
    digest = hashlib.blake2b(f"scim_mock:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _Held(Session):
    """A pooled connection as one thread holds it."""

    def __init__(self, conn: psycopg.Connection[Any], reused: bool) -> None:
        super().__init__(conn)
        self.pid = os.getpid()
        #: Taken from the pool and no statement run yet: a dropped connection may be replaced.
        self.retry = reused


def connect(url: str, schema: str) -> psycopg.Connection[Any]:
    """A connection whose unqualified table names are those of ``schema``."""
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    return conn


class _Pool:
    """The idle connections of one store, in the process that opened them.

    It holds no reference to its store, so that the store's finalizer (``release``) can close
    what is left when a store is dropped without :meth:`PostgresStore.close`.
    """

    def __init__(self, url: str, schema: str) -> None:
        self.url, self.schema = url, schema
        self.lock = threading.Lock()
        self.idle: list[psycopg.Connection[Any]] = []
        self.pid = os.getpid()

    def _adopt(self) -> None:
        # Called with the lock held. In a forked child the connections are the parent's.
        if self.pid != os.getpid():
            _detach(self.idle)
            self.idle.clear()
            self.pid = os.getpid()

    def checkout(self) -> _Held:
        with self.lock:
            self._adopt()
            conn = self.idle.pop() if self.idle else None
        if conn is None:
            return _Held(connect(self.url, self.schema), reused=False)
        return _Held(conn, reused=True)

    def checkin(self, held: _Held) -> None:
        conn = held.conn
        if held.pid != os.getpid():
            return  # taken before a fork: the parent's
        idle = conn.info.transaction_status == TransactionStatus.IDLE
        if idle and not (conn.closed or conn.broken):
            with self.lock:
                if len(self.idle) < _MAX_IDLE and self.pid == held.pid:
                    self.idle.append(conn)
                    return
        conn.close()

    def release(self) -> None:
        """Close the idle connections."""
        with self.lock:
            self._adopt()
            idle = builtins.list(self.idle)
            self.idle.clear()
        for conn in idle:
            conn.close()


class PostgresStore(SqlStore):
    """A :class:`scim_mock.store.ResourceStore` in a PostgreSQL database.

    ``url`` is a libpq connection string or URI (``postgresql://user@host:5432/db``);
    ``tenant`` picks the schema (:func:`schema_name`). The other arguments are those of
    :class:`scim_mock.store.InMemoryStore`.
    """

    integrity_error = psycopg.errors.UniqueViolation

    def __init__(
        self,
        url: str,
        unique: UniqueSpec | None = None,
        *,
        tenant: str | None = None,
        group_resource_type: str = "Group",
        conflict: ConflictRule = held_by_another,
        version_rule: VersionRule = fresh_version,
        clock: Callable[[], datetime] | None = None,
        ids: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(unique, group_resource_type=group_resource_type, conflict=conflict,
                         version_rule=version_rule, clock=clock, ids=ids)  # fmt: skip
        self.url = url
        self.tenant = tenant
        self.schema = schema_name(tenant)
        self._lock_key = lock_key(self.schema)
        self._local = threading.local()
        self._pool = _Pool(url, self.schema)
        weakref.finalize(self, self._pool.release)
        self._setup()

    def close(self) -> None:
        """Close the idle connections (a later call connects again)."""
        self._pool.release()

    # -- the dialect -----------------------------------------------------------------------

    @contextmanager
    def _using(self) -> Iterator[Session]:
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None and held.pid == os.getpid():
            yield held
            return
        held = self._pool.checkout()
        self._local.held = held
        try:
            yield held
        finally:
            self._local.held = None
            self._pool.checkin(held)

    def _current(self) -> Session:
        held: _Held = self._local.held
        return held

    def _run(self, query: Query, args: Sequence[Any] | None) -> Any:
        held: _Held = self._local.held
        try:
            cursor = held.conn.execute(query, args)
        except psycopg.OperationalError:
            if not (held.retry and held.conn.broken):
                raise
            # A pooled connection the server dropped while it was idle: nothing ran on it.
            held.conn.close()
            held.conn = connect(self.url, self.schema)
            cursor = held.conn.execute(query, args)
        held.retry = False
        return cursor

    def _sql(self, statement: str, args: Sequence[Any] = ()) -> Any:
        return self._run(self._placeholders(statement), args)

    def _begin(self, session: Session) -> None:
        # One round trip: the lock is the transaction's first statement, held until its end.
        self._run(f"BEGIN; SELECT pg_advisory_xact_lock({self._lock_key})", None)

    def _finish(self, session: Session, commit: bool) -> None:
        conn: psycopg.Connection[Any] = session.conn
        if conn.closed or conn.broken:
            if commit:
                raise psycopg.OperationalError("the connection was lost before COMMIT")
            return  # the server rolls back a transaction whose connection is gone
        if commit and conn.info.transaction_status == TransactionStatus.INERROR:
            # COMMIT would quietly roll back: a statement failed and nobody noticed.
            conn.execute("ROLLBACK")
            raise psycopg.errors.InFailedSqlTransaction("a statement of the transaction failed")
        try:
            conn.execute("COMMIT" if commit else "ROLLBACK")
        except psycopg.OperationalError:
            if commit:
                raise

    def _create_tables(self) -> None:
        with self.transaction():
            schema = sql.Identifier(self.schema)
            for statement in _DDL:
                self._run(sql.SQL(statement).format(schema=schema), None)

    def _placeholders(self, statement: str) -> str:
        return _placeholders(statement)

    def _key(self, text: str) -> str:
        # PostgreSQL text holds no NUL; U+FFFD in its place keeps the value index a superset.
        text = text.replace("\x00", "\ufffd")
        if len(text.encode()) > _MAX_KEY:
            return "#sha256:" + hashlib.sha256(text.encode()).hexdigest()
        return text


_CONVERTED: dict[str, str] = {}


def _placeholders(statement: str) -> str:
    # The shared statements hold no "%" and no literal "?": "?" is only ever a placeholder.
    converted = _CONVERTED.get(statement)
    if converted is None:
        converted = _CONVERTED[statement] = statement.replace("?", "%s")
    return converted


def _detach(conns: list[psycopg.Connection[Any]]) -> None:
    """Let go of connections inherited over a fork without ending their sessions.

    Closing one here would send the server a Terminate message on the parent's socket. Its
    file descriptor is pointed at /dev/null first, so the close goes nowhere.
    """
    for conn in conns:
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(devnull, conn.fileno())
            finally:
                os.close(devnull)
            conn.close()
        except (OSError, psycopg.Error):
            pass  # already unusable: nothing of the parent's can be reached through it
