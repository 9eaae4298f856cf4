"""The mock's one source of "now": meta.created/lastModified, ETags, journal times.

A :class:`MockClock` runs with the wall clock until a client developer freezes it (``POST
/_mock/clock``), so that two runs of the same requests against fresh mocks give identical
``meta`` timestamps and versions. ``advance`` moves it on (frozen or not) without sleeping, which
is how tests of time-dependent behaviour (eventual consistency, ``Retry-After``) stay fast and
deterministic.

Every app keeps its clock in ``http.state().extras["clock"]``; domain code receives the bound
method :meth:`MockClock.now` (a ``Callable[[], datetime]``), never the wall clock itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

#: The farthest a single ``advance`` may move the clock (a typo should not jump centuries).
MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600

Now = Callable[[], datetime]


def wall_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(timezone.utc)


def format_instant(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a "Z" (the journal's and the control API's form)."""
    moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
    moment = moment.astimezone(timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time with an offset or "Z" (ValueError otherwise), in UTC."""
    if not isinstance(text, str):
        raise ValueError("the instant must be a string like 2026-01-01T00:00:00Z")
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add Z or +HH:MM")
    return moment.astimezone(timezone.utc)


class MockClock:
    """A thread-safe clock that can be frozen, advanced and released.

    Unfrozen, it is the wall clock shifted by every ``advance`` so far; frozen, it stands still
    at one instant until advanced or released. ``source`` is the underlying real clock
    (replaceable in tests).
    """

    def __init__(self, source: Now = wall_clock) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._frozen: datetime | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """The current mock time (UTC, aware)."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return self._source() + self._offset

    def freeze(self, moment: datetime | None = None) -> datetime:
        """Stop the clock at ``moment`` (default: the current mock time); returns it."""
        with self._lock:
            if moment is None:
                moment = self._frozen or self._source() + self._offset
            moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
            self._frozen = moment.astimezone(timezone.utc)
            return self._frozen

    def advance(self, seconds: float) -> datetime:
        """Move the clock on by ``seconds`` (>= 0, bounded); returns the new time."""
        if not 0 <= seconds <= MAX_ADVANCE_SECONDS:
            raise ValueError(f"advance takes 0 to {MAX_ADVANCE_SECONDS} seconds")
        step = timedelta(seconds=seconds)
        with self._lock:
            if self._frozen is not None:
                self._frozen += step
                return self._frozen
            self._offset += step
            return self._source() + self._offset

    def unfreeze(self) -> datetime:
        """Let the clock run again from where it stood (time does not jump back or forward)."""
        with self._lock:
            if self._frozen is not None:
                self._offset = self._frozen - self._source()
                self._frozen = None
            return self._source() + self._offset

    def reset(self) -> None:
        """Back to the wall clock: not frozen, no offset."""
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        with self._lock:
            return self._frozen is not None

    def describe(self) -> dict[str, Any]:
        """The clock's state as JSON (``GET /_mock/clock``)."""
        with self._lock:
            frozen = self._frozen is not None
            offset = self._offset.total_seconds()
        return {"now": format_instant(self.now()), "frozen": frozen, "offsetSeconds": offset}
