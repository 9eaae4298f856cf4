"""The client report card: what a SCIM client did wrong, judged from the traffic it sent.

``GET /_mock/report`` runs :func:`judge` over the journal (every recorded exchange, not only the
refused ones) and answers ``{"findings": [...]}``; :func:`assert_report_card` is the same as a
pytest assertion. Each finding names a rule of :data:`RULES`, the catalog id it rests on (or
null), how many exchanges showed it and the first of them, trimmed.

A false alarm costs a client author more than a miss, so every rule judges only what the
journal shows for certain: an entry without request headers is not judged on headers, a
response body that was cut off or is not JSON is not judged at all, and the sequence rules
(retries, paging, read-modify-write) only compare exchanges of the same client.

Pure domain code: journal entries in, findings out. The facts about the server that some rules
need (are ETags advertised, which endpoints, schemas, readOnly and boolean attributes) come in
as :class:`Facts`; :func:`facts_from_registry` builds them from the mock's schema registry.
The rules' table is :mod:`scim_mock.report_rules`, the parsed exchange
:mod:`scim_mock.report_model`, the sequence rules :mod:`scim_mock.report_flows`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scim_mock.report_flows import Flows
from scim_mock.report_model import (
    BULK_REQUEST,
    PATCH_OP,
    SEARCH_REQUEST,
    EndpointFacts,
    Exchange,
    Facts,
    Hit,
    ci_get,
    patch_target,
)
from scim_mock.report_rules import RULES, SEVERITIES, Rule
from scim_mock.schema import SchemaRegistry

__all__ = [
    "RULES",
    "SEVERITIES",
    "EndpointFacts",
    "Facts",
    "Rule",
    "assert_report_card",
    "facts_from_registry",
    "judge",
]

#: Accepted client-dialect deviations (scim_mock.compat) reported under a structural rule.
_COMPAT_AS = {"entra-string-boolean": "string-boolean",
              "okta-pathless-replace-id": "readonly-in-patch"}  # fmt: skip

_SCIM_JSON = "application/scim+json"
_BODY_METHODS = ("POST", "PUT", "PATCH")
_UNENCODED = re.compile(r'[\s"<>\\^`{|}]|[^\x00-\x7f]')
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMPARISON = re.compile(
    r"(?<![\w.:$-])([A-Za-z][\w.:$-]*)\s+(eq|ne|co|sw|ew|gt|ge|lt|le)\s+([^\s()\[\]]+)", re.I
)
_LITERAL = re.compile(r'(?i:true|false|null)$|-?\d+(\.\d+)?([eE][+-]?\d+)?$|""$')


# -- the facts -----------------------------------------------------------------------------


def facts_from_registry(registry: SchemaRegistry, *, etag_supported: bool) -> Facts:
    """The facts the rules need about a server with ``registry``'s resource types."""
    endpoints = {}
    for rt in registry.resource_types():
        read_only: set[str] = set()
        booleans: set[str] = set()
        multi: set[str] = set()
        for resolved in registry.attributes_of(rt):
            attr = resolved.attribute
            prefix = f"{resolved.schema.lower()}:" if resolved.extension and resolved.schema else ""
            if attr.mutability == "readOnly":
                read_only.add(prefix + attr.name.lower())
            if attr.multi_valued and attr.mutability != "readOnly":
                multi.add(prefix + attr.name.lower())
            for candidate in (attr, *attr.sub_attributes):
                if candidate.type == "boolean":
                    booleans.add(candidate.name.lower())
        name = rt.endpoint.strip("/")
        endpoints[name] = EndpointFacts(
            name,
            rt.schema,
            tuple(e.schema for e in rt.schema_extensions),
            frozenset(read_only),
            frozenset(booleans),
            frozenset(multi),
        )
    return Facts(etag_supported=etag_supported, endpoints=endpoints)


# -- one request at a time -------------------------------------------------------------------


def _media_rules(ex: Exchange) -> Iterator[Hit]:
    if ex.method in _BODY_METHODS and ex.body_text.strip():
        ctype = (ex.content_type or "").split(";")[0].strip().lower()
        if ctype == "application/json":
            yield Hit("content-type-json")
        elif ctype != _SCIM_JSON:
            yield Hit("content-type", f"Content-Type: {ex.content_type or '(none)'}")
    if ex.headers is None:
        return
    accept = ex.headers.get("accept")
    if not accept:
        return
    ranges = {}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 1.0
        ranges[media.strip().lower()] = q
    if any(ranges.get(m, 0) > 0 for m in (_SCIM_JSON, "application/*", "*/*")):
        return
    if ranges.get("application/json", 0) > 0:
        yield Hit("accept-json")
    else:
        yield Hit("accept", f"Accept: {accept}")


def _schemas_of(body: Mapping[str, Any]) -> list[str] | None:
    value = ci_get(body, "schemas")
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return [s.lower() for s in value]
    return None


def _message_rules(ex: Exchange) -> Iterator[Hit]:
    body = ex.body
    if not isinstance(body, dict):
        return
    expected = {"search": (SEARCH_REQUEST, "search-schemas"),
                "bulk": (BULK_REQUEST, "bulk-schemas"),
                "patch": (PATCH_OP, "patch-schemas")}.get(ex.kind)  # fmt: skip
    if expected is not None:
        urn, rule = expected
        schemas = _schemas_of(body)
        if schemas is None or urn.lower() not in schemas:
            yield Hit(rule, f"schemas: {json.dumps(ci_get(body, 'schemas'))}")
    if ex.kind == "patch":
        operations = ci_get(body, "Operations")
        if not isinstance(operations, list) or not operations:
            yield Hit("patch-without-operations")
    if ex.kind in ("create", "replace") and ex.endpoint is not None:
        if ci_get(body, "schemas") is None:
            yield Hit("schemas-missing")
            return
        schemas = _schemas_of(body)
        known = {ex.endpoint.schema.lower(), *(e.lower() for e in ex.endpoint.extensions)}
        if schemas is None or ex.endpoint.schema.lower() not in schemas or set(schemas) - known:
            yield Hit("schemas-wrong", f"schemas: {json.dumps(ci_get(body, 'schemas'))}")


def _read_only_keys(value: Any, endpoint: EndpointFacts) -> list[str]:
    """The readOnly attributes (top level and in extension blocks) of a resource object."""
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        lowered = key.lower()
        if lowered in endpoint.read_only:
            found.append(key)
        elif lowered.startswith("urn:") and isinstance(item, dict):
            found += [f"{key}:{k}" for k in item if f"{lowered}:{k.lower()}" in endpoint.read_only]
        elif lowered.startswith("urn:") and lowered in endpoint.read_only:
            found.append(key)
    return found


def _string_booleans(value: Any, booleans: frozenset[str], name: str | None = None) -> list[str]:
    if isinstance(value, str):
        is_bool = name in booleans and value.strip().lower() in ("true", "false")
        return [f"{name}={json.dumps(value)}"] if is_bool else []
    if isinstance(value, list):
        return [hit for item in value for hit in _string_booleans(item, booleans, name)]
    if isinstance(value, dict):
        return [
            hit
            for key, item in value.items()
            for hit in _string_booleans(item, booleans, None if ":" in key else key.lower())
        ]
    return []


def _operations(ex: Exchange) -> list[dict[str, Any]]:
    operations = ci_get(ex.body, "Operations") if isinstance(ex.body, dict) else None
    return [op for op in operations if isinstance(op, dict)] if isinstance(operations, list) else []


def _attribute_rules(ex: Exchange) -> Iterator[Hit]:
    endpoint = ex.endpoint
    if endpoint is None or not isinstance(ex.body, dict):
        return
    if ex.kind in ("create", "replace"):
        read_only = _read_only_keys(ex.body, endpoint)
        if read_only:
            yield Hit(f"readonly-in-{ex.kind}", "sent: " + ", ".join(read_only))
        strings = _string_booleans(ex.body, endpoint.booleans)
        if strings:
            yield Hit("string-boolean", ", ".join(strings))
    if ex.kind != "patch":
        return
    for op in _operations(ex):
        name = ci_get(op, "op")
        if isinstance(name, str) and name.lower() in ("add", "remove", "replace"):
            if name != name.lower():
                yield Hit("patch-op-case", f"op: {json.dumps(name)}")
        path, value = ci_get(op, "path"), ci_get(op, "value")
        target = patch_target(path, endpoint) if isinstance(path, str) else None
        if target is not None and target.attribute in endpoint.read_only:
            yield Hit("readonly-in-patch", f"path: {path}")
        elif path is None and isinstance(value, dict):
            read_only = _read_only_keys(value, endpoint)
            if read_only:
                yield Hit("readonly-in-patch", "value sets: " + ", ".join(read_only))
        leaf = target.leaf if target is not None else None
        strings = _string_booleans(value, endpoint.booleans, leaf)
        if strings:
            yield Hit("string-boolean", ", ".join(strings))


def _filters(ex: Exchange) -> list[str]:
    texts = [f for f in ex.query.get("filter", []) if isinstance(f, str)]
    if ex.kind == "search" and isinstance(ex.body, dict):
        text = ci_get(ex.body, "filter")
        if isinstance(text, str):
            texts.append(text)
    for op in _operations(ex) if ex.kind == "patch" else ():
        path = ci_get(op, "path")
        if isinstance(path, str) and "[" in path:
            texts.append(path[path.index("[") + 1 : path.rindex("]") if "]" in path else None])
    return texts


def _filter_rules(ex: Exchange) -> Iterator[Hit]:
    raw = ex.raw_query
    bad = _UNENCODED.search(raw)
    if bad:
        yield Hit("filter-unencoded", f"unencoded {bad.group()!r} in ?{raw[:200]}")
    for text in _filters(ex):
        for match in _COMPARISON.finditer(_QUOTED.sub('""', text)):
            if not _LITERAL.match(match.group(3)):
                yield Hit("filter-unquoted", f"filter: {text[:200]}")
                break


def _compat_rules(ex: Exchange) -> Iterator[Hit]:
    for deviation in ex.entry.get("compat") or ():
        rule = deviation.get("rule") if isinstance(deviation, dict) else None
        if isinstance(rule, str):
            yield Hit(
                _COMPAT_AS.get(rule, rule), f"accepted by the {deviation.get('dialect')} mode"
            )


_PER_REQUEST = (_media_rules, _message_rules, _attribute_rules, _filter_rules, _compat_rules)


# -- the report ------------------------------------------------------------------------------


_EXAMPLE_KEYS = ("id", "time", "method", "path", "status", "client", "tenant",
                 "requestContentType", "requestHeaders", "requestBody", "scimType", "detail",
                 "compat", "fault")  # fmt: skip
_RESPONSE_RULES = ("retry-too-early", "unread-pages")
_EXAMPLE_BODY = 2000
#: How many journal ids a finding lists (the first ones).
_REQUEST_IDS = 20


def _trim(text: Any, limit: int = _EXAMPLE_BODY) -> Any:
    if isinstance(text, str) and len(text) > limit:
        return text[:limit] + "…"
    return text


def _example(entry: Mapping[str, Any], rule: str) -> dict[str, Any]:
    example = {key: _trim(entry[key]) for key in _EXAMPLE_KEYS if key in entry}
    if rule in _RESPONSE_RULES:
        for key in ("responseHeaders", "responseBody"):
            if key in entry:
                example[key] = _trim(entry[key], 1000)
    return example


@dataclass
class _Finding:
    rule: Rule
    first: int
    example: dict[str, Any]
    detail: str
    count: int = 0
    ids: list[Any] = field(default_factory=list)


def _rule(rule_id: str, entry: Mapping[str, Any]) -> Rule:
    if rule_id in RULES:
        return RULES[rule_id]
    # A client dialect this module does not know yet: still reported, from the journal's words.
    summary = next(
        (d for d in entry.get("compat") or () if isinstance(d, dict) and d.get("rule") == rule_id),
        {},
    )
    hint = "Send what the RFC says; the mock accepted this only in a compatibility mode."
    return Rule(rule_id, None, "error", str(summary.get("description", rule_id)), hint)


def judge(entries: Iterable[Mapping[str, Any]], facts: Facts | None = None) -> list[dict[str, Any]]:
    """The findings for the journal ``entries`` (oldest first), worst and earliest first."""
    facts = facts or Facts()
    exchanges = [Exchange.of(entry, index, facts) for index, entry in enumerate(entries)]
    exchanges.sort(key=lambda ex: ex.order)
    flows = Flows(facts)
    found: dict[str, _Finding] = {}
    for ex in exchanges:
        if ex.control:
            continue
        hits = [hit for rules in _PER_REQUEST for hit in rules(ex)] + flows.feed(ex)
        seen: set[str] = set()
        for hit in hits:
            if hit.rule in seen:
                continue  # one exchange counts once per rule
            seen.add(hit.rule)
            finding = found.get(hit.rule)
            if finding is None:
                rule = _rule(hit.rule, ex.entry)
                finding = _Finding(rule, ex.order, _example(ex.entry, hit.rule), hit.detail)
                found[hit.rule] = finding
            finding.count += 1
            finding.ids.append(ex.entry.get("id", ex.order))
    for hit, ex in flows.finish():
        finding = found.get(hit.rule)
        if finding is None:
            finding = _Finding(RULES[hit.rule], ex.order, _example(ex.entry, hit.rule), hit.detail)
            found[hit.rule] = finding
        finding.count += 1
        finding.ids.append(ex.entry.get("id", ex.order))
    ordered = sorted(found.values(), key=lambda f: (SEVERITIES.index(f.rule.severity), f.first))
    return [
        {
            "rule": f.rule.id,
            "requirement": f.rule.requirement,
            "severity": f.rule.severity,
            "count": f.count,
            "description": f.rule.description,
            "hint": f.rule.hint,
            "detail": f.detail,
            "requests": f.ids[:_REQUEST_IDS],
            "example": f.example,
        }
        for f in ordered
    ]


# -- the pytest helper -----------------------------------------------------------------------


def _findings_of(
    report: Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> list[Mapping[str, Any]]:
    findings = report.get("findings") if isinstance(report, Mapping) else report
    if not isinstance(findings, Sequence) or isinstance(findings, (str, bytes)):
        raise TypeError('expected the /_mock/report JSON: {"findings": [...]}')
    return [f for f in findings if isinstance(f, Mapping)]


def _describe(finding: Mapping[str, Any]) -> str:
    example = finding.get("example") or {}
    request = f"{example.get('method', '?')} {example.get('path', '?')}"
    requirement = finding.get("requirement") or "no catalog id"
    lines = [
        f"- {finding.get('rule')} ({finding.get('severity', '?')}, {requirement}) "
        f"x{finding.get('count', '?')}: {finding.get('description', '')}",
        f"    first: {request} -> {example.get('status', '?')}"
        + (f"; {finding['detail']}" if finding.get("detail") else ""),
        f"    fix: {finding.get('hint', '')}",
    ]
    return "\n".join(lines)


def assert_report_card(
    report: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    expect: Iterable[str] = (),
    allow: Iterable[str] = (),
    allow_severity: Iterable[str] = (),
) -> dict[str, Mapping[str, Any]]:
    """Fail unless the report card shows every rule of ``expect`` and nothing else.

    ``report`` is the JSON of ``GET /_mock/report`` (or its ``findings`` list). Findings whose
    rule is in ``allow``, or whose severity is in ``allow_severity`` (e.g. ``("hint",)``), are
    tolerated. Returns the findings by rule, for further assertions on counts and examples.
    Raises :class:`AssertionError` listing each unexpected finding with its fix.
    """
    expect, allow, severities = set(expect), set(allow), set(allow_severity)
    unknown_severities = severities - set(SEVERITIES)
    if unknown_severities:
        raise ValueError(f"unknown severities {sorted(unknown_severities)}; use {SEVERITIES}")
    findings = _findings_of(report)
    by_rule = {str(f.get("rule")): f for f in findings}
    unknown = (expect | allow) - set(RULES) - set(by_rule)
    if unknown:
        raise ValueError(f"unknown report-card rules {sorted(unknown)}; known: {sorted(RULES)}")
    missing = sorted(expect - set(by_rule))
    unexpected = [
        f
        for rule, f in by_rule.items()
        if rule not in expect | allow and f.get("severity") not in severities
    ]
    problems = []
    if unexpected:
        problems.append("the client report card has unexpected findings:")
        problems += [_describe(f) for f in unexpected]
    if missing:
        problems.append(f"expected findings missing from the report card: {', '.join(missing)}")
    if problems:
        raise AssertionError("\n".join(problems))
    return by_rule
