"""The SQLite backend's tables (scim_mock.store_sqlite) and the pure helpers that fill the
tables of both SQL backends (scim_mock.store_sql; PostgreSQL's DDL is in scim_mock.store_postgres).

``resources`` holds each resource's JSON body; ``uniq`` the normalised unique values (its primary
key is what refuses a duplicate); ``vals`` the values ``eq`` is answered from (externalId,
emails.value, members.value); ``members`` the membership index; ``state`` the version counter.

``uniq`` and ``vals`` are one B-tree each (WITHOUT ROWID, no second index): a write's rows are
found by their values, which the store computes from the resource as stored, so no index by
owner is needed, and every index fewer is a page fewer for each commit to write. Files made with
the earlier layout (an index by owner on both) are migrated when opened (:data:`OLD_LAYOUT`).
"""

from __future__ import annotations

import builtins
import json
import threading
from collections.abc import Mapping
from typing import Any

from scim_mock.store import Resource
from scim_mock.values import normalize_text

#: Attributes (lower case, "attr.sub") whose values the ``vals`` side table indexes for ``eq``.
INDEXED_VALUES = ("externalid", "emails.value", "members.value")

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    rtype TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (rtype, id)
);
CREATE TABLE IF NOT EXISTS uniq (
    rtype TEXT NOT NULL, attr TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (rtype, attr, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resources_by_type ON resources (rtype, seq);
CREATE TABLE IF NOT EXISTS vals (
    rtype TEXT NOT NULL, attr TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (rtype, attr, key, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS members (
    pos INTEGER PRIMARY KEY AUTOINCREMENT, member TEXT NOT NULL, grp TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS members_by_member ON members (member);
CREATE INDEX IF NOT EXISTS members_by_group ON members (grp);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

#: Indexes of the earlier layout; a file that has one gets ``uniq`` and ``vals`` rebuilt.
OLD_LAYOUT = ("uniq_by_id", "vals_by_id", "vals_by_key")
MIGRATE = """
DROP INDEX IF EXISTS uniq_by_id;
DROP TABLE IF EXISTS vals;
DELETE FROM state WHERE name = 'unique';
"""


def dump(resource: Mapping[str, Any]) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


def value_key(value: str) -> str:
    # Coarser than any filter's comparison form (NFKC + casefold), so an index answer is a
    # superset of what ``eq`` matches; the query planner still runs the predicate on it.
    return normalize_text(value, False)




def indexed_values(resource: Resource, is_group: bool) -> builtins.list[tuple[str, str]]:
    """(attribute, value) pairs of the ``vals`` index: externalId, emails.value, members."""
    pairs: builtins.list[tuple[str, str]] = []
    external = resource.get("externalId")
    if isinstance(external, str):
        pairs.append(("externalid", external))
    emails = resource.get("emails")
    if isinstance(emails, builtins.list):
        for email in emails:
            if isinstance(email, dict) and isinstance(email.get("value"), str):
                pairs.append(("emails.value", email["value"]))
    if is_group:
        pairs.extend(("members.value", m) for m in member_ids(resource))
    return pairs


def member_ids(group: Resource) -> builtins.list[str]:
    members = group.get("members")
    if not isinstance(members, builtins.list):
        return []
    return [m["value"] for m in members if isinstance(m, dict) and isinstance(m.get("value"), str)]


class ParsedBodies:
    """Bodies parsed once per process and reused while their stored text is unchanged.

    A filter that no index answers reads every body of a type; the text still comes from the
    database on every scan (so another process's writes are seen at once), but only a body
    whose text differs from the one parsed last time is parsed again. Bounded at ``limit``
    bodies: past it, new ones are parsed on each scan instead of kept.
    """

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._bodies: dict[tuple[str, str], tuple[str, Resource]] = {}
        self._lock = threading.Lock()

    def get(self, resource_type: str, id: str, text: str) -> Resource:
        """The parsed ``text`` of the resource (shared: the caller must not change it)."""
        key = (resource_type, id)
        known = self._bodies.get(key)
        if known is not None and known[0] == text:
            return known[1]
        parsed: Resource = json.loads(text)
        with self._lock:
            if known is not None or len(self._bodies) < self.limit:
                self._bodies[key] = (text, parsed)
        return parsed
