"""Fault rules for client authors: which request gets which misbehaviour, and when.

A rule (``POST /_mock/faults``, ``scim-mock serve --fault-rule JSON``) has a ``match`` (method,
path glob relative to the base path, resource type, filter text, header; all optional, ANDed),
an ``action`` (an error status with a SCIM Error body, latency, 429 with ``Retry-After``, a
dropped connection, a truncated, non-JSON or HTML body) and a ``trigger`` (once, N times, every
k-th matching request, or with probability p drawn from the rule's own seeded generator, so a
seed gives the same sequence on every run). This module is the domain part: parsing, matching,
triggers and counters; the HTTP layer (:mod:`scim_mock.fault_transport`) applies the action.

Rules are tried in the order they were added. A latency-only rule delays the request and lets
the next rules try it too; the first rule with any other action answers it.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

from scim_mock.errors import Conflict, InvalidValue, NotFound, TooManyRequests

#: RFC 7644 §3.12 (Table 9) defines its keywords for 400; §3.3 answers a uniqueness clash with
#: 409 and §7.5.2 sensitive data in a URI with 403. No other status carries a scimType.
SCIM_TYPES_BY_STATUS: Mapping[int, frozenset[str]] = {
    400: frozenset(
        {
            "invalidFilter",
            "tooMany",
            "uniqueness",
            "mutability",
            "invalidSyntax",
            "invalidPath",
            "noTarget",
            "invalidValue",
            "invalidVers",
            "sensitive",
        }
    ),
    403: frozenset({"sensitive"}),
    409: frozenset({"uniqueness"}),
}
#: What an ``html`` action answers without a status: the proxy's "502 Bad Gateway" page.
HTML_DEFAULT_STATUS = int(HTTPStatus.BAD_GATEWAY)
_MATCH_KEYS = frozenset({"method", "path", "resourceType", "filter", "header"})
_ACTION_KEYS = frozenset(
    "status scimType detail latencyMs retryAfter drop truncate body contentType html".split()
)
_TRIGGER_KEYS = frozenset({"once", "times", "every", "probability"})
_RULE_KEYS = frozenset({"id", "match", "action", "trigger", "seed"})


@dataclass(frozen=True)
class RequestFacts:
    """What a rule may match on, read from one SCIM request by the HTTP layer."""

    method: str
    #: The path relative to the base path (``/Users/2819c223``), without the query string.
    path: str
    resource_type: str | None = None
    #: The ``filter`` query parameter (or the body's filter of ``POST .search``).
    filter: str | None = None
    #: Header names in lower case.
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    """Which requests a rule applies to; every field given must hold."""

    methods: frozenset[str] = frozenset()
    path: str | None = None
    resource_type: str | None = None
    filter: str | None = None
    header_name: str | None = None
    header_value: str | None = None

    def __call__(self, facts: RequestFacts) -> bool:
        if self.methods and facts.method.upper() not in self.methods:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(facts.path, self.path):
            return False
        if self.resource_type is not None and facts.resource_type != self.resource_type:
            return False
        if self.filter is not None and (facts.filter is None or self.filter not in facts.filter):
            return False
        if self.header_name is not None:
            value = facts.headers.get(self.header_name.lower())
            if value is None or (self.header_value is not None and self.header_value not in value):
                return False
        return True


@dataclass(frozen=True)
class Action:
    """What a rule does to a matching request (see the module docstring)."""

    status: int | None = None
    scim_type: str | None = None
    detail: str | None = None
    latency_ms: int = 0
    retry_after: str | None = None
    drop: bool = False
    truncate: bool = False
    body: str | None = None
    content_type: str | None = None
    html: bool = False

    @property
    def latency_only(self) -> bool:
        """Whether the request is then served normally (and any write performed)."""
        return self.status is None and not (
            self.drop or self.truncate or self.body is not None or self.html or self.retry_after
        )

    @property
    def performs_request(self) -> bool:
        """Whether the real request runs: latency only, or a truncated real response."""
        return self.latency_only or self.truncate


@dataclass(frozen=True)
class Trigger:
    """When a matching request is faulted; the conditions given all hold (default: always)."""

    times: int | None = None
    every: int | None = None
    probability: float | None = None


class FaultRule:
    """One rule with its counters and its own random generator (seeded: deterministic)."""

    def __init__(
        self,
        rule_id: str,
        match: Match,
        action: Action,
        trigger: Trigger,
        seed: int,
        spec: Mapping[str, Any],
    ) -> None:
        self.id = rule_id
        self.match = match
        self.action = action
        self.trigger = trigger
        self.seed = seed
        self.spec = dict(spec)
        #: Requests that matched; hits: requests the action was applied to.
        self.matched = 0
        self.hits = 0
        self._random = random.Random(seed)

    @property
    def exhausted(self) -> bool:
        """Whether a ``once``/``times`` rule has fired as often as it may."""
        return self.trigger.times is not None and self.hits >= self.trigger.times

    def fires(self, facts: RequestFacts) -> bool:
        """Count ``facts`` if it matches and say whether the action applies (not thread-safe:
        :class:`FaultRules` holds the lock)."""
        if not self.match(facts):
            return False
        self.matched += 1
        if self.exhausted:
            return False
        if self.trigger.every is not None and self.matched % self.trigger.every:
            return False
        probability = self.trigger.probability
        # One draw per eligible request, so the sequence depends on the seed and the traffic only.
        if probability is not None and self._random.random() >= probability:
            return False
        self.hits += 1
        return True

    def to_json(self) -> dict[str, Any]:
        """The rule as listed by ``GET /_mock/faults``: as given, with its id and counters."""
        return {
            **self.spec,
            "id": self.id,
            "seed": self.seed,
            "matched": self.matched,
            "hits": self.hits,
            "exhausted": self.exhausted,
        }


@dataclass(frozen=True)
class Decision:
    """What the rules decided for one request: total latency, and the answering rule if any."""

    latency_ms: int = 0
    rule: FaultRule | None = None
    #: Latency-only rules that fired (their ids), for the journal when no other rule answers.
    delayed_by: tuple[str, ...] = ()


class FaultRules:
    """The ordered, thread-safe set of rules of one mock; ``reset`` restores the configured ones."""

    def __init__(self, configured: Iterable[Mapping[str, Any]] = ()) -> None:
        self._lock = threading.Lock()
        self._configured = tuple(dict(spec) for spec in configured)
        self._rules: dict[str, FaultRule] = {}
        self._next = 1
        self.reset()

    def reset(self) -> None:
        """Forget the added rules; the configured ones start again with fresh counters."""
        with self._lock:
            self._rules.clear()
            self._next = 1
        self.add(self._configured)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def add(self, specs: Iterable[Mapping[str, Any]]) -> list[FaultRule]:
        """Parse and add ``specs`` (all or none: InvalidValue / Conflict name the bad one)."""
        with self._lock:
            taken = set(self._rules)
            rules = []
            number = self._next
            for spec in specs:
                if "id" in spec:
                    rule_id = spec["id"]
                else:
                    while f"rule-{number}" in taken:
                        number += 1
                    rule_id = f"rule-{number}"
                    number += 1
                rule = parse_rule(spec, rule_id)
                if rule.id in taken:
                    raise Conflict(f"A fault rule with id {rule.id!r} exists already.")
                taken.add(rule.id)
                rules.append(rule)
            self._next = number
            self._rules.update((rule.id, rule) for rule in rules)
            return rules

    def get(self, rule_id: str) -> FaultRule:
        """The rule ``rule_id`` (NotFound otherwise)."""
        with self._lock:
            if rule_id not in self._rules:
                raise NotFound(f"No fault rule {rule_id!r}.")
            return self._rules[rule_id]

    def remove(self, rule_id: str) -> None:
        """Delete one rule (NotFound when unknown)."""
        with self._lock:
            if self._rules.pop(rule_id, None) is None:
                raise NotFound(f"No fault rule {rule_id!r}.")

    def clear(self) -> None:
        """Delete every rule, the configured ones included (until the next reset)."""
        with self._lock:
            self._rules.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        """Every rule with its counters, in order."""
        with self._lock:
            return [rule.to_json() for rule in self._rules.values()]

    def decide(self, facts: RequestFacts) -> Decision:
        """Run ``facts`` through the rules in order (see the module docstring)."""
        latency = 0
        delayed_by: list[str] = []
        with self._lock:
            for rule in self._rules.values():
                if not rule.fires(facts):
                    continue
                latency += rule.action.latency_ms
                if not rule.action.latency_only:
                    return Decision(latency, rule, tuple(delayed_by))
                delayed_by.append(rule.id)
        return Decision(latency, None, tuple(delayed_by))


def parse_rule(spec: Mapping[str, Any], rule_id: Any) -> FaultRule:
    """A :class:`FaultRule` from its JSON form; InvalidValue says what is wrong."""
    if not isinstance(spec, Mapping):
        raise InvalidValue("A fault rule is a JSON object with 'match', 'action', 'trigger'.")
    _known(spec, _RULE_KEYS, "rule")
    if not isinstance(rule_id, str) or not rule_id or "/" in rule_id:
        raise InvalidValue("A fault rule 'id' is a non-empty string without '/'.")
    seed = spec.get("seed", 0)
    if not _is_int(seed):
        raise InvalidValue("'seed' is an integer.")
    return FaultRule(
        rule_id,
        _match(_object(spec, "match")),
        _action(_object(spec, "action", required=True)),
        _trigger(_object(spec, "trigger")),
        seed,
        {k: v for k, v in spec.items() if k in ("match", "action", "trigger")},
    )


def _object(spec: Mapping[str, Any], key: str, *, required: bool = False) -> Mapping[str, Any]:
    value = spec.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping) or (required and not value):
        raise InvalidValue(f"A fault rule's {key!r} is a JSON object.")
    return value


def _known(data: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidValue(f"Unknown {what} field(s) {unknown}; known: {sorted(allowed)}.")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidValue(f"{key!r} is a string.")
    return value


def _match(data: Mapping[str, Any]) -> Match:
    _known(data, _MATCH_KEYS, "match")
    method = data.get("method")
    methods = [method] if isinstance(method, str) else method
    if methods is not None and (
        not isinstance(methods, list) or not all(isinstance(m, str) and m for m in methods)
    ):
        raise InvalidValue("match 'method' is a method name or a list of them.")
    header = data.get("header")
    name = value = None
    if header is not None:
        if not isinstance(header, Mapping) or not isinstance(header.get("name"), str):
            raise InvalidValue('match \'header\' is {"name": "...", "value": "<substring>"}.')
        _known(header, frozenset({"name", "value"}), "match header")
        name, value = header["name"], _text(header, "value")
    return Match(
        methods=frozenset(m.upper() for m in methods or ()),
        path=_text(data, "path"),
        resource_type=_text(data, "resourceType"),
        filter=_text(data, "filter"),
        header_name=name,
        header_value=value,
    )


def _action(data: Mapping[str, Any]) -> Action:
    _known(data, _ACTION_KEYS, "action")
    latency = data.get("latencyMs", 0)
    if not _is_int(latency) or latency < 0:
        raise InvalidValue("'latencyMs' is a non-negative integer.")
    flags = {key: data.get(key, False) for key in ("drop", "truncate", "html")}
    if not all(isinstance(flag, bool) for flag in flags.values()):
        raise InvalidValue("'drop', 'truncate' and 'html' are true or false.")
    body = _text(data, "body")
    kinds = [key for key, on in flags.items() if on] + (["body"] if body is not None else [])
    if len(kinds) > 1:
        raise InvalidValue(f"An action does one thing; {kinds} were given together.")
    status = data.get("status")
    if status is not None and not _is_int(status):
        raise InvalidValue("'status' is an integer.")
    retry_after = _retry_after(data.get("retryAfter"))
    if retry_after is not None and status is None and not kinds:
        status = TooManyRequests.status
    scim_type = _text(data, "scimType")
    if kinds and kinds[0] in ("drop", "truncate") and (status is not None or scim_type):
        raise InvalidValue(f"A {kinds[0]!r} action sends no status of its own.")
    if kinds == ["body"]:
        if status is not None and not (200 <= status <= 599) or status in (204, 304):
            raise InvalidValue("A 'body' action's status is 200-599 (not 204 or 304).")
    elif status is not None and not 400 <= status <= 599:
        raise InvalidValue("An injected error 'status' is 4xx or 5xx.")
    if kinds == ["html"] and status is None:
        status = HTML_DEFAULT_STATUS
    if scim_type is not None and scim_type not in SCIM_TYPES_BY_STATUS.get(status or 0, ()):
        allowed = {s: sorted(t) for s, t in SCIM_TYPES_BY_STATUS.items()}
        raise InvalidValue(
            f"scimType {scim_type!r} is not defined for status {status} "
            f"(RFC 7644 §3.12: {allowed})."
        )
    return Action(
        status=status,
        scim_type=scim_type,
        detail=_text(data, "detail"),
        latency_ms=latency,
        retry_after=retry_after,
        drop=flags["drop"],
        truncate=flags["truncate"],
        body=body,
        content_type=_text(data, "contentType"),
        html=flags["html"],
    )


def _retry_after(value: Any) -> str | None:
    """``Retry-After`` as sent: delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    if _is_int(value) and value >= 0:
        return str(value)
    if isinstance(value, str):
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None and value.rstrip().endswith("GMT"):
            return value
    raise InvalidValue(
        "'retryAfter' is seconds (a non-negative integer) or an HTTP date such as "
        "'Wed, 21 Oct 2026 07:28:00 GMT'."
    )


def _trigger(data: Mapping[str, Any]) -> Trigger:
    _known(data, _TRIGGER_KEYS, "trigger")
    once = data.get("once", False)
    if not isinstance(once, bool):
        raise InvalidValue("trigger 'once' is true or false.")
    times, every = data.get("times"), data.get("every")
    for key, value in (("times", times), ("every", every)):
        if value is not None and (not _is_int(value) or value < 1):
            raise InvalidValue(f"trigger {key!r} is a positive integer.")
    if once and times is not None:
        raise InvalidValue("trigger 'once' and 'times' exclude each other.")
    probability = data.get("probability")
    if probability is not None and (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not 0 <= probability <= 1
    ):
        raise InvalidValue("trigger 'probability' is a number from 0 to 1.")
    return Trigger(
        times=1 if once else times,
        every=every,
        probability=None if probability is None else float(probability),
    )
