"""What every resource store shares, whatever keeps the data (scim_mock.store and the SQL
stores of scim_mock.store_sql): the types and rules of uniqueness and versions, the canonical
shape of a stored resource, and :class:`StoreRules`, the If-Match and lastModified/version rules
of a modification.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from scim_mock import errors
from scim_mock.values import json_copy, normalize_text, parse_datetime

Resource = dict[str, Any]
#: Resource type name -> [(attribute name, caseExact)] whose values must be unique.
UniqueSpec = Mapping[str, Sequence[tuple[str, bool]]]

DEFAULT_UNIQUE: dict[str, tuple[tuple[str, bool], ...]] = {
    "User": (("userName", False),),
    "Group": (("displayName", False),),
}
_ONE_MS = timedelta(milliseconds=1)

#: Whether a unique value already held by ``holder`` conflicts with a write of ``own_id``
#: (None for a create).
ConflictRule = Callable[[str, str | None], bool]
#: The version a modified resource gets, from its previous version and a fresh one.
VersionRule = Callable[[str, str], str]


def held_by_another(holder: str, own_id: str | None) -> bool:
    """A unique value conflicts unless the resource being written holds it itself."""
    return holder != own_id


def fresh_version(previous: str, fresh: str) -> str:
    """Every modification gets a new version (P-3.14-06, C-3.1-22)."""
    return fresh


def unique_key(value: Any, case_exact: bool) -> Any:
    """The index key of a unique value.

    Strings are Unicode-normalised before comparison (P-7.8-01); values of attributes that are
    not caseExact are also width-mapped and case-folded, so that "BJensen", "bjensen" and a
    full-width variant collide as RFC 7644 §5 / RFC 7613 preparation asks (P-5-01, C-4.1.1-03).
    """
    if not isinstance(value, str):
        return value
    return normalize_text(value, case_exact)


def format_timestamp(moment: datetime) -> str:
    """xsd:dateTime in UTC with millisecond precision and a "Z" (C-2.3.5-01)."""
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def _etag_value(tag: str) -> str:
    """The opaque part of an entity tag: SCIM compares weak tags too (RFC 7644 §3.14)."""
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def _content(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in ("id", "meta")}


def _shape(resource: Mapping[str, Any], id: str, meta: dict[str, Any]) -> Resource:
    """Canonical key order: schemas, id, the attributes as given, meta (client id/meta ignored,
    P-3.3-01, C-3.1-07, C-3.1-14)."""
    shaped: Resource = {}
    if "schemas" in resource:
        shaped["schemas"] = json_copy(resource["schemas"])
    shaped["id"] = id
    for key, value in resource.items():
        if key not in ("schemas", "id", "meta"):
            shaped[key] = json_copy(value)
    shaped["meta"] = meta
    return shaped


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _random_id() -> str:
    return str(uuid.uuid4())


def without_member(group: Resource, member_id: str) -> Resource:
    """A copy of ``group`` without ``member_id`` among its members; a group left with none
    loses the attribute, which becomes unassigned (P-3.5.2.2-04)."""
    new = json_copy(group)
    members = [
        m
        for m in new.get("members", [])
        if not (isinstance(m, dict) and m.get("value") == member_id)
    ]
    if members:
        new["members"] = members
    else:
        new.pop("members", None)
    return new


class StoreRules:
    """What every :class:`ResourceStore` implementation shares, whatever keeps the data: the
    uniqueness spec, the conflict and version rules (seams), the clock and the id source, and
    the If-Match and lastModified/version rules of a modification. Subclasses count versions
    (:meth:`_next_version`) where they keep their data."""

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
        # "now" and new ids come from the caller when given (the mock's clock,
        # scim_mock.clock; seeded ids, scim_mock.seed), so a test can make them deterministic.
        self._now = clock or _utc_now
        self._new_id = ids or _random_id
        spec = DEFAULT_UNIQUE if unique is None else unique
        self._unique_spec: dict[str, dict[str, tuple[str, bool]]] = {
            rt: {name.lower(): (name, case_exact) for name, case_exact in attrs}
            for rt, attrs in spec.items()
        }
        self._group_type = group_resource_type
        self._conflict = conflict
        self._version_rule = version_rule

    def _next_version(self) -> str:
        raise NotImplementedError

    def _check_version(self, current: Resource, expected: str | None) -> None:
        if expected is None or expected.strip() == "*":
            return
        if _etag_value(expected) != _etag_value(current["meta"]["version"]):
            raise errors.PreconditionFailed(
                f"Version {expected} does not match the current {current['meta']['version']}."
            )

    def _touch(self, new: Resource, current: Resource, now: datetime | None) -> None:
        """New lastModified (strictly later than the old one, C-3.1-18) and version."""
        moment = now or self._now()
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        previous = parse_datetime(current["meta"]["lastModified"])
        if previous is not None and moment < previous + _ONE_MS:
            moment = previous + _ONE_MS
        new["meta"] = {
            **current["meta"],
            "lastModified": format_timestamp(moment),
            "version": self._version_rule(current["meta"]["version"], self._next_version()),
        }
