"""RFC 9865 cursor-based pagination: opaque, tamper-evident, expiring cursors.

A cursor names a position in a query's result list: the 0-based offset of the page it points
to and the id of the resource just before that page (its anchor). Results are listed in
creation order (or sorted), so a resource created while a client pages lands after the
cursor's position and never shifts the pages still to come; a deletion before the cursor is
absorbed by the anchor (the page resumes right after the anchor wherever it now is). Only when
the anchor itself is gone does the offset decide.

The payload (offset, anchor, the page size of the initial query, a fingerprint of the query and
the issue time) is HMAC-SHA256 signed, so a forged or altered cursor is refused with
invalidCursor (RFC 9865 §5.2: service providers should detect forged cursors) and a cursor
older than the advertised ``cursorTimeout`` with expiredCursor (§2.1). Cursor values use only
RFC 3986 §2.3 unreserved characters (base64url without padding and ".", RFC 9865 §2).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scim_mock.errors import BadRequest


class InvalidCursor(BadRequest):
    """400 invalidCursor: the cursor is not one this service provider issued (RFC 9865 §2.1)."""

    scim_type = "invalidCursor"


class ExpiredCursor(BadRequest):
    """400 expiredCursor: the cursor outlived the advertised cursorTimeout (RFC 9865 §2.1)."""

    scim_type = "expiredCursor"


class InvalidCount(BadRequest):
    """400 invalidCount: count is not an integer, or differs from the initial query's."""

    scim_type = "invalidCount"


@dataclass(frozen=True)
class Position:
    """Where a cursor points: the page's offset and the id just before it ("" at the start)."""

    offset: int
    anchor: str
    #: The count of the initial query (None when it sent none): later pages must repeat it.
    count: int | None


@dataclass(frozen=True)
class CursorPage:
    """One cursor page: the slice and the cursors around it (None where there is none)."""

    items: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(parts: Sequence[object]) -> str:
    """A short digest of what must stay identical between pages (endpoint, filter, sort)."""
    return hashlib.sha256(json.dumps(list(parts), default=str).encode()).hexdigest()[:16]


class CursorCodec:
    """Issues and reads the cursors of one service provider (one secret, one timeout)."""

    def __init__(self, secret: bytes, timeout_seconds: int) -> None:
        self._secret = secret
        self.timeout_seconds = timeout_seconds

    def _mac(self, payload: bytes) -> str:
        return _b64(hmac.new(self._secret, payload, hashlib.sha256).digest()[:18])

    def encode(self, position: Position, query_print: str, now: datetime) -> str:
        """The opaque cursor for ``position`` of the query ``query_print``, issued ``now``."""
        payload = json.dumps(
            [position.offset, position.anchor, position.count, query_print, int(now.timestamp())],
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{self._mac(payload)}"

    def decode(self, cursor: str, query_print: str, now: datetime) -> Position:
        """The position a cursor names; invalidCursor or expiredCursor when it cannot be used."""
        body, _, mac = cursor.partition(".")
        try:
            payload = _unb64(body)
        except (binascii.Error, ValueError) as exc:
            raise InvalidCursor("The cursor is not one this service provider issued.") from exc
        if not mac or not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidCursor("The cursor is not one this service provider issued.")
        offset, anchor, count, printed, issued = json.loads(payload)
        if printed != query_print:
            # RFC 9865 §2: later pages repeat the initial query's parameters exactly.
            raise InvalidCursor("The cursor belongs to a different query (filter, sort, endpoint).")
        if self.timeout_seconds > 0 and now.timestamp() - issued > self.timeout_seconds:
            raise ExpiredCursor(
                f"The cursor expired (cursorTimeout is {self.timeout_seconds} seconds)."
            )
        return Position(int(offset), str(anchor), None if count is None else int(count))


def parse_count(value: Any) -> int | None:
    """A cursor query's count: None when absent, a negative one taken as 0 (RFC 9865 §2).

    Anything but an integer is 400 invalidCount (§2.1), the keyword RFC 9865 defines for a
    count a cursor query cannot use.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidCount(f"count must be an integer, not {value!r}.")
    if isinstance(value, int):
        return max(value, 0)
    text = str(value).strip()
    if text.lstrip("+-").isdigit() and text.isascii():
        return max(int(text), 0)
    raise InvalidCount(f"count must be an integer, not {value!r}.")


def page(
    selected: Sequence[Any],
    ids: Sequence[str],
    cursor: str,
    count: Any,
    *,
    codec: CursorCodec,
    query_print: str,
    now: datetime,
    default_count: int,
    max_count: int,
) -> CursorPage:
    """One cursor page of ``selected`` (whose ids are ``ids``, in the same order).

    An empty cursor starts at the first result. ``count`` defaults to ``default_count`` and is
    capped at ``max_count`` (a page may be shorter than asked, RFC 9865 §2); a later page must
    send the initial query's count (invalidCount otherwise, §2.1). count=0 returns no resources
    and no cursor. nextCursor is present on every page but the last; previousCursor on every
    page but the first (§2).
    """
    requested = parse_count(count)
    start = 0
    if cursor:
        position = codec.decode(cursor, query_print, now)
        if position.count != requested:
            raise InvalidCount(
                f"count must be the initial query's ({position.count}), not {requested}."
            )
        start = position.offset
        if position.anchor:
            try:
                start = ids.index(position.anchor) + 1
            except ValueError:
                pass  # the anchor is gone: the offset decides
        start = min(max(start, 0), len(selected))
    size = default_count if requested is None else requested
    size = max(min(size, max_count), 0)
    items = list(selected[start : start + size])
    end = start + len(items)

    def at(offset: int) -> str:
        anchor = ids[offset - 1] if offset > 0 else ""
        return codec.encode(Position(offset, anchor, requested), query_print, now)

    next_cursor = at(end) if size > 0 and end < len(selected) else None
    previous_cursor = at(max(start - size, 0)) if size > 0 and start > 0 else None
    return CursorPage(items, next_cursor, previous_cursor)
