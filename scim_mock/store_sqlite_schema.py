"""The SQLite backend's tables (scim_mock.store_sqlite) and the pure helpers that fill the
tables of both SQL backends (scim_mock.store_sql; PostgreSQL's DDL is in scim_mock.store_postgres).

``resources`` holds each resource's JSON body; ``uniq`` the normalised unique values (its primary
key is what refuses a duplicate); ``vals`` the values ``eq`` is answered from (externalId,
emails.value, members.value); ``members`` the membership index; ``state`` the version counter.
"""

from __future__ import annotations

import builtins
import json
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
CREATE INDEX IF NOT EXISTS uniq_by_id ON uniq (rtype, id);
CREATE TABLE IF NOT EXISTS vals (
    rtype TEXT NOT NULL, attr TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS vals_by_key ON vals (rtype, attr, key);
CREATE INDEX IF NOT EXISTS vals_by_id ON vals (rtype, id);
CREATE TABLE IF NOT EXISTS members (
    pos INTEGER PRIMARY KEY AUTOINCREMENT, member TEXT NOT NULL, grp TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS members_by_member ON members (member);
CREATE INDEX IF NOT EXISTS members_by_group ON members (grp);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
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
