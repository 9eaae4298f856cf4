"""The side tables both SQL stores keep beside the bodies (scim_mock.store_sql): the unique keys
(``uniq``), the values ``eq`` is answered from (``vals``) and the memberships (``members``).

Every row is derived from a stored body (:mod:`scim_mock.store_sqlite_schema` computes them),
so the rows of a resource are found by their values, computed from the resource as stored,
never by the owner's id: neither table needs an index by owner, and a replace moves only the
rows whose values changed. :meth:`SideTables._rebuild_indexes` derives them all again (a new
uniqueness table, a restore, a migrated file).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from typing import Any

from scim_mock import errors
from scim_mock import store_sqlite_schema as tables
from scim_mock.store_rules import ConflictRule, Resource, unique_key

#: A later holder takes the key over (only with a conflict rule that lets duplicates in).
PUT_UNIQ = (
    "INSERT INTO uniq VALUES (?, ?, ?, ?)"
    " ON CONFLICT (rtype, attr, key) DO UPDATE SET id = excluded.id"
)


class SideTables:
    """The side-table half of :class:`scim_mock.store_sql.SqlStore` (a mixin: the store
    supplies the statements and the rules below)."""

    integrity_error: type[Exception]
    _unique_spec: dict[str, dict[str, tuple[str, bool]]]
    _group_type: str
    _db_unique: bool
    _conflict: ConflictRule

    def _sql(self, statement: str, args: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def _many(self, statement: str, rows: builtins.list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def _one(self, statement: str, args: Sequence[Any] = ()) -> Any:
        raise NotImplementedError

    def _key(self, text: str) -> str:
        raise NotImplementedError

    def _unique_values(self, resource_type: str, resource: Resource) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, case_exact in self._unique_spec.get(resource_type, {}).values():
            value = resource.get(name)
            if value is not None and not isinstance(value, (dict, builtins.list)):
                found[name] = self._key(tables.dump(unique_key(value, case_exact)))
        return found

    def _claim_unique(
        self,
        resource_type: str,
        resource: Resource,
        own_id: str | None,
        old: Resource | None = None,
    ) -> None:
        """Take the resource's unique keys (``old``: the resource as stored, for a replace);
        :class:`errors.Uniqueness` when one is taken.

        Keys are found by the values themselves, never by the owner's id, so the ``uniq`` table
        needs no second index; a replace that keeps a value (a PATCH of displayName keeps the
        userName) leaves its key alone when the database enforces uniqueness.
        """
        keys = self._unique_values(resource_type, resource)
        before = self._unique_values(resource_type, old) if old is not None else {}
        if self._db_unique:
            kept = {name for name, key in keys.items() if before.get(name) == key}
            keys = {name: key for name, key in keys.items() if name not in kept}
            before = {name: key for name, key in before.items() if name not in kept}
        else:
            for name, key in keys.items():
                row = self._one(
                    "SELECT id FROM uniq WHERE rtype = ? AND attr = ? AND key = ?",
                    (resource_type, name, key),
                )
                if row is not None and self._conflict(row[0], own_id):
                    raise self._taken(resource_type, name, resource)
        if own_id is not None:
            self._release_unique(resource_type, before, own_id)
        insert = "INSERT INTO uniq VALUES (?, ?, ?, ?)" if self._db_unique else PUT_UNIQ
        for name, key in keys.items():
            try:
                self._sql(insert, (resource_type, name, key, resource["id"]))
            except self.integrity_error:
                raise self._taken(resource_type, name, resource) from None

    def _release_unique(self, resource_type: str, keys: Mapping[str, str], own_id: str) -> None:
        """Free the keys ``own_id`` holds among ``keys`` (a lenient conflict rule may have let
        another resource take one over; that one keeps it)."""
        for name, key in keys.items():
            self._sql(
                "DELETE FROM uniq WHERE rtype = ? AND attr = ? AND key = ? AND id = ?",
                (resource_type, name, key, own_id),
            )

    @staticmethod
    def _taken(resource_type: str, name: str, resource: Resource) -> errors.Uniqueness:
        return errors.Uniqueness(
            f"{name} {resource[name]!r} is already used by another {resource_type}."
        )

    def _reindex(self, resource_type: str, old: Resource | None, new: Resource | None) -> None:
        """Move the ``vals`` and ``members`` rows from ``old`` (the resource as stored; None
        for a create) to ``new`` (None for a delete). ``vals`` rows are found by their values,
        and only those that differ are deleted or inserted; a group's ``members`` are written
        again in their order."""
        before = self._value_rows(resource_type, old) if old is not None else set()
        after = self._value_rows(resource_type, new) if new is not None else set()
        for row in sorted(before - after):
            self._sql("DELETE FROM vals WHERE rtype = ? AND attr = ? AND key = ? AND id = ?", row)
        self._many("INSERT INTO vals VALUES (?, ?, ?, ?)", sorted(after - before))
        if resource_type != self._group_type:
            return
        if old is not None:
            self._sql("DELETE FROM members WHERE grp = ?", (old["id"],))
        if new is not None:
            self._many(
                "INSERT INTO members (member, grp) VALUES (?, ?)",
                [(self._key(m), new["id"]) for m in tables.member_ids(new)],
            )

    def _value_rows(self, resource_type: str, resource: Resource) -> set[tuple[str, str, str, str]]:
        """The ``vals`` rows of a resource, each once (two emails may share a value)."""
        is_group = resource_type == self._group_type
        id = resource["id"]
        return {
            (resource_type, attr, self._key(tables.value_key(value)), id)
            for attr, value in tables.indexed_values(resource, is_group)
        }

    def _rebuild_indexes(self) -> None:
        for table in ("uniq", "vals", "members"):
            self._sql(f"DELETE FROM {table}")  # noqa: S608 - a fixed table name
        rows = self._sql("SELECT rtype, body FROM resources ORDER BY seq").fetchall()
        for rtype, body in rows:
            resource = json.loads(body)
            for name, key in self._unique_values(rtype, resource).items():
                self._sql(PUT_UNIQ, (rtype, name, key, resource["id"]))
            self._reindex(rtype, None, resource)
