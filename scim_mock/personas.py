"""Personas: the mock behaving the way real service providers do (``--persona NAME``).

A client that only ever met the strict mock has not met the providers it will be deployed
against. Each persona below switches the mock to one behaviour seen in the field, so that a
client author can check that the client copes. Some are legal (the RFCs allow them: PATCH
answered with 204, no PATCH, no filtering, a small page cap, throttling); others deviate from
the RFCs on purpose (a userName unique only case-sensitively, eventual consistency, soft delete,
lenient member references). Unlike the deliberate defects of ``scim_defects``, which prove the
conformance checks can fail, a persona is a feature of the mock for client authors.

Personas compose (``--persona patch-204 --persona page-cap:10``). Those that only change the
configuration (:func:`configure`: ``patch-204``, ``put-only``, ``no-filter``, ``page-cap``,
``okta``, ``entra``) and ``case-sensitive-username`` (the store's uniqueness index is built with
it) are chosen when the mock starts; the others can also be switched on and off at run time
(``POST /_mock/personas``) through :class:`PersonaRuntime`, whose one extension
(:class:`scim_mock.persona_hooks.PersonaExtension`: seams, a provider decorator, a
``before_request`` hook) is a plain pass-through while they are off.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context

from scim_mock.clock import wall_clock
from scim_mock.config import PERSONAS as NAMES
from scim_mock.config import MockConfig
from scim_mock.operations import Resource
from scim_mock.persona_hooks import PersonaExtension, client_key
from scim_mock.schema import ResourceType

__all__ = ["CATALOG", "Choice", "Persona", "PersonaExtension", "PersonaRuntime", "client_key",
           "configure", "parse", "parse_all"]  # fmt: skip


@dataclass(frozen=True)
class Persona:
    """One persona: what it does, the real-world behaviour it mirrors, how it stands to the RFCs.

    ``switchable``: whether ``POST /_mock/personas`` may turn it on or off while running;
    ``parameter``: what ``NAME:ARG`` means, with its ``default``.
    """

    name: str
    summary: str
    mirrors: str
    rfc: str
    switchable: bool = False
    parameter: str | None = None
    default: str | None = None

    @property
    def legal(self) -> bool:
        """Whether the RFCs allow the behaviour."""
        return self.rfc.startswith("legal")

    def describe(self) -> dict[str, Any]:
        """The persona as JSON (``GET /_mock/personas``)."""
        return {
            "name": self.name,
            "summary": self.summary,
            "mirrors": self.mirrors,
            "rfc": self.rfc,
            "legal": self.legal,
            "switchable": self.switchable,
            "parameter": self.parameter,
            "default": self.default,
        }


CATALOG: dict[str, Persona] = {
    p.name: p
    for p in (
        Persona(
            "patch-204",
            "PATCH answers 204 No Content, without the resource.",
            "Many SaaS providers acknowledge a PATCH without a body.",
            "legal: RFC 7644 §3.5.2 lets a PATCH answer 200 with the resource or 204.",
        ),
        Persona(
            "put-only",
            "PATCH is advertised unsupported (patch.supported=false) and answered 501.",
            "Providers whose SCIM API implements replace (PUT) but not PATCH.",
            "legal: PATCH is optional (RFC 7643 §5); 501 per RFC 7644 §3.12.",
        ),
        Persona(
            "no-filter",
            "Filtering is advertised unsupported (filter.supported=false); a request with a "
            "filter parameter is answered 501, never with an unfiltered list.",
            "Providers that only list everything. Some ignore the parameter instead and return "
            "every resource, which a client looking one user up takes for a match; the mock "
            "refuses it, as RFC 7644 §3.12 describes for an unsupported operation.",
            "legal: filtering is optional (RFC 7643 §5).",
        ),
        Persona(
            "case-sensitive-username",
            'userName is unique and matched case-sensitively: "Alice" and "alice" are two '
            'users, and filter=userName eq "ALICE" does not find "alice". /Schemas still '
            "says caseExact=false.",
            "Providers whose user table has a case-sensitive unique index.",
            "deviation: RFC 7643 §4.1.1 makes userName case-insensitive (C-4.1.1-03).",
        ),
        Persona(
            "page-cap",
            "Every list page holds at most N resources, whatever count asks for "
            "(filter.maxResults=N).",
            "Many SaaS providers cap pages (100 is common) and expect clients to follow "
            "startIndex to the next page.",
            "legal: RFC 7644 §3.4.2.4 lets a provider return fewer results than count.",
            parameter="N: the largest page",
            default="10",
        ),
        Persona(
            "eventual-consistency",
            "A resource created or changed less than T seconds ago (mock clock) is invisible "
            "to filters; GET by id and unfiltered lists see it at once.",
            "Providers that answer filters from a search index updated asynchronously.",
            "deviation: a filter must select every resource that matches (RFC 7644 §3.4.2.2).",
            switchable=True,
            parameter="T: seconds until a write is visible to filters",
            default="5",
        ),
        Persona(
            "soft-delete",
            "DELETE of a User answers 204 but only sets active=false; the user stays readable, "
            "listed and in its groups (Groups are deleted).",
            "Providers that deactivate rather than delete accounts (Slack's SCIM API documents "
            "DELETE /Users/{id} as deactivating the user).",
            "deviation: a deleted resource must answer 404 afterwards (RFC 7644 §3.6).",
            switchable=True,
        ),
        Persona(
            "lenient-members",
            "Group members naming ids of no User or Group are accepted and kept (without display).",
            "Providers that store member references without checking them.",
            "legal: referential integrity is optional (RFC 7643 §2.3.7, C-2.3.7-04); the strict "
            "mock refuses unknown member ids.",
            switchable=True,
        ),
        Persona(
            "rate-limit",
            "A token bucket per client credential (Authorization value): B requests at once, "
            "then R per second (mock clock); beyond it 429 Too Many Requests with Retry-After "
            "in whole seconds. The /_mock endpoints are never limited.",
            "Most SaaS providers throttle per token or per tenant.",
            "legal: 429 with Retry-After (RFC 6585 §4, RFC 7231 §7.1.3).",
            switchable=True,
            parameter="B/R: burst and requests per second",
            default="10/5",
        ),
        Persona(
            "okta",
            "Accept what Okta's provisioning client sends beyond the RFC (MockConfig.compat).",
            "Okta's SCIM client (see the okta client profile).",
            "legal for the server: it accepts more, every accepted deviation is journaled.",
        ),
        Persona(
            "entra",
            "Accept what Microsoft Entra ID's provisioning client sends beyond the RFC "
            "(MockConfig.compat).",
            "Microsoft Entra ID's SCIM client (see the entra client profile).",
            "legal for the server: it accepts more, every accepted deviation is journaled.",
        ),
    )
}
assert tuple(CATALOG) == NAMES, "config.PERSONAS and the catalog must name the same personas"


@dataclass(frozen=True)
class Choice:
    """A persona as chosen: its name and its argument (None: the default)."""

    name: str
    argument: str | None = None

    def __str__(self) -> str:
        return self.name if self.argument is None else f"{self.name}:{self.argument}"

    @property
    def persona(self) -> Persona:
        """The catalog entry."""
        return CATALOG[self.name]

    def value(self) -> str:
        """The argument, or the persona's default."""
        return self.argument or self.persona.default or ""


def parse(text: str) -> Choice:
    """``"page-cap:10"`` -> ``Choice("page-cap", "10")``; ValueError for anything else."""
    name, sep, argument = str(text).strip().lower().partition(":")
    if name not in CATALOG:
        raise ValueError(f"unknown persona {name!r}; known: {', '.join(CATALOG)}")
    persona = CATALOG[name]
    if sep and persona.parameter is None:
        raise ValueError(f"persona {name!r} takes no argument")
    choice = Choice(name, argument.strip() if sep else None)
    try:
        _arguments(choice)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"persona {text!r}: the argument is {persona.parameter}") from None
    return choice


def parse_all(names: Iterable[str]) -> tuple[Choice, ...]:
    """Every name parsed, in order; a persona named twice is a ValueError."""
    choices = tuple(parse(n) for n in names)
    seen = [c.name for c in choices]
    twice = sorted({n for n in seen if seen.count(n) > 1})
    if twice:
        raise ValueError(f"persona(s) given twice: {', '.join(twice)}")
    return choices


def _arguments(choice: Choice) -> tuple[float, ...]:
    """The numbers a persona's argument holds (validated); () for personas without one."""
    text = choice.value()
    if choice.name == "page-cap":
        cap = int(text)
        if cap < 1:
            raise ValueError(text)
        return (float(cap),)
    if choice.name == "eventual-consistency":
        delay = float(text)
        if not 0 < delay < math.inf:
            raise ValueError(text)
        return (delay,)
    if choice.name == "rate-limit":
        burst_text, sep, rate_text = text.partition("/")
        burst, rate = int(burst_text), float(rate_text if sep else "x")
        if burst < 1 or not 0 < rate < math.inf:
            raise ValueError(text)
        return (float(burst), rate)
    return ()


def configure(config: MockConfig) -> MockConfig:
    """``config`` with the configuration the chosen personas imply (personas spelt canonically).

    ``patch-204``, ``put-only``, ``no-filter`` and ``page-cap`` are the legal variants of
    :class:`MockConfig` under a persona's name; ``okta`` and ``entra`` are its client dialects.
    """
    choices = parse_all(config.personas)
    changes: dict[str, Any] = {"personas": tuple(str(c) for c in choices)}
    for choice in choices:
        if choice.name == "patch-204":
            changes["patch_response"] = "no-content"
        elif choice.name == "put-only":
            changes["patch_supported"] = False
        elif choice.name == "no-filter":
            changes["filter_supported"] = False
        elif choice.name == "page-cap":
            changes["filter_max_results"] = min(config.filter_max_results, int(choice.value()))
        elif choice.name in ("okta", "entra"):
            compat = changes.get("compat", config.compat)
            changes["compat"] = tuple(dict.fromkeys((*compat, choice.name)))
    if changes == {"personas": config.personas}:
        return config
    return config.replace(**changes)


class PersonaRuntime:
    """The personas of one app: those chosen at start, those switched on since, their state.

    Thread-safe. "Now" is the app's mock clock (``extras["clock"]``) when it has one, so that a
    test advances time instead of sleeping.
    """

    def __init__(self, config: MockConfig) -> None:
        self.started = parse_all(config.personas)
        self._lock = threading.Lock()
        self._active: tuple[Choice, ...] = self.started
        #: (resource type, id) -> when it was last written, while eventual-consistency is on.
        self._written: dict[tuple[str, str], datetime] = {}
        #: client fingerprint -> (tokens left, when counted), while rate-limit is on.
        self._buckets: dict[str, tuple[float, datetime]] = {}

    # -- which personas are on ----------------------------------------------------------------

    @property
    def active(self) -> tuple[Choice, ...]:
        """The personas in force, in the order they were chosen."""
        with self._lock:
            return self._active

    def choice(self, name: str) -> Choice | None:
        """The persona ``name`` if it is in force."""
        return next((c for c in self.active if c.name == name), None)

    def switch(self, names: Sequence[str]) -> tuple[Choice, ...]:
        """Put exactly ``names`` in force; ValueError when that changes a start-only persona."""
        choices = parse_all(names)
        fixed = {str(c) for c in self.started if not c.persona.switchable}
        wanted = {str(c) for c in choices if not c.persona.switchable}
        if fixed != wanted:
            changed = sorted(fixed ^ wanted)
            raise ValueError(
                f"{', '.join(changed)}: only chosen when the mock starts "
                "(scim-mock serve --persona NAME); switchable at run time: "
                + ", ".join(p.name for p in CATALOG.values() if p.switchable)
            )
        with self._lock:
            self._active = choices
            self._forget()
        return choices

    def reset(self) -> None:
        """Back to the personas chosen at start, with no remembered writes or buckets."""
        with self._lock:
            self._active = self.started
            self._forget()

    def _forget(self) -> None:
        self._written.clear()
        self._buckets.clear()

    def describe(self) -> dict[str, Any]:
        """``GET /_mock/personas``: every persona, and which are in force."""
        active = {c.name: c for c in self.active}
        personas = []
        for persona in CATALOG.values():
            entry = persona.describe()
            chosen = active.get(persona.name)
            entry["active"] = chosen is not None
            entry["argument"] = chosen.value() if chosen and persona.parameter else None
            personas.append(entry)
        return {"active": [str(c) for c in self.active], "personas": personas}

    # -- time-dependent state -----------------------------------------------------------------

    def now(self) -> datetime:
        """The app's mock time (the wall clock outside an app, or without a mock clock)."""
        if has_app_context():
            state = current_app.extensions.get("scim_mock")
            clock = getattr(state, "extras", {}).get("clock") if state is not None else None
            if clock is not None:
                moment: datetime = clock.now()
                return moment
        return wall_clock()

    def written(self, rt: ResourceType, resource: Resource) -> None:
        """Remember a write, while eventual-consistency is on."""
        if self.choice("eventual-consistency") is not None and "id" in resource:
            moment = self.now()
            with self._lock:
                self._written[(rt.name, str(resource["id"]))] = moment

    def hidden(self, rt: ResourceType) -> Callable[[Resource], bool] | None:
        """A test for "written too recently for filters to see", or None when nothing is."""
        choice = self.choice("eventual-consistency")
        if choice is None:
            return None
        cutoff = self.now() - timedelta(seconds=_arguments(choice)[0])
        with self._lock:
            for key in [k for k, at in self._written.items() if at <= cutoff]:
                del self._written[key]  # visible now: forget it (the table stays small)
            recent = {i for t, i in self._written if t == rt.name}
        if not recent:
            return None
        return lambda resource: str(resource.get("id")) in recent

    def throttle(self, key: str) -> int | None:
        """Take a token from ``key``'s bucket: None when allowed, else seconds to wait."""
        choice = self.choice("rate-limit")
        if choice is None:
            return None
        burst, rate = _arguments(choice)
        now = self.now()
        with self._lock:
            tokens, last = self._buckets.get(key, (burst, now))
            elapsed = max(0.0, (now - last).total_seconds())
            tokens = min(burst, tokens + elapsed * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return None
            self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / rate))

    def extension(self) -> PersonaExtension:
        """The extension that carries the personas into an app."""
        case_sensitive = any(c.name == "case-sensitive-username" for c in self.started)
        return PersonaExtension(self, case_sensitive=case_sensitive)
