"""Assertion helpers for checks; each raises :class:`ConformanceFailure` with the exchange.

All helpers hide their frames (``__tracebackhide__``) so a traceback ends at the check's line.
Pass ``requirement=`` with the catalog id the assertion decides, so the failure names it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from scim_tests.client import ScimResponse
from scim_tests.datadir import schemas_dir
from scim_tests.failures import ConformanceFailure

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCIM_TYPES = (
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
)


#: Keywords that RFC 7644 §3.12 Table 9 only recommends: no section prescribes them for a
#: particular failure (the sections fix invalidFilter, tooMany, uniqueness, mutability,
#: invalidPath, noTarget and invalidVers), so another keyword or none is a SHOULD deviation.
UNFIXED_SCIM_TYPES = {"invalidSyntax": "P-3.12-19", "invalidValue": "P-3.12-22"}


def keyword_requirements(
    allowed: Sequence[str], requirement: str | Sequence[str] | None
) -> tuple[str, ...]:
    """The ids a wrong scimType violates: the check's own, unless only unfixed keywords fit.

    Then the §3.12 SHOULD rows of those keywords come first, so the failure is graded SHOULD
    (:attr:`ConformanceFailure.level`) while still naming the check's requirement.
    """
    if allowed and all(keyword in UNFIXED_SCIM_TYPES for keyword in allowed):
        recommended = tuple(dict.fromkeys(UNFIXED_SCIM_TYPES[k] for k in allowed))
        return tuple(dict.fromkeys(recommended + _ids(requirement)))
    return _ids(requirement)


def _ids(requirement: str | Sequence[str] | None) -> tuple[str, ...]:
    if requirement is None:
        return ()
    return (requirement,) if isinstance(requirement, str) else tuple(requirement)


def fail(
    title: str,
    *,
    expected: Any = None,
    received: Any = None,
    response: ScimResponse | None = None,
    requirement: str | Sequence[str] | None = None,
    hint: str | None = None,
    cause: str | None = None,
    blocked: bool = False,
    uncited: bool = False,
) -> ConformanceFailure:
    """Build (not raise) a failure; ``raise fail(...)`` in checks."""
    return ConformanceFailure(
        title,
        expected=expected,
        received=received,
        exchange=response.exchange if response is not None else None,
        requirements=_ids(requirement),
        hint=hint,
        cause=cause,
        blocked=blocked,
        uncited=uncited,
    )


def check(
    condition: object,
    title: str,
    *,
    expected: Any = None,
    received: Any = None,
    response: ScimResponse | None = None,
    requirement: str | Sequence[str] | None = None,
    hint: str | None = None,
    cause: str | None = None,
    blocked: bool = False,
) -> None:
    """Raise a failure unless ``condition`` is truthy."""
    __tracebackhide__ = True
    if not condition:
        raise fail(
            title,
            expected=expected,
            received=received,
            response=response,
            requirement=requirement,
            hint=hint,
            cause=cause,
            blocked=blocked,
        )


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


#: The row that fixes the success status of each operation (RFC 7644 §3.3-§3.6): a server that
#: answers a request the check expects to succeed with another 2xx violates that row, whatever
#: behaviour the check is about.
SUCCESS_STATUS_ROWS = {
    ("POST", (201,)): "P-3.3-03",
    ("PUT", (200,)): "P-3.5.1-08",
    ("PATCH", (200, 204)): "P-3.5.2-16",
    ("DELETE", (204,)): "P-3.6-05",
}


def status_cause(response: ScimResponse, expected: Sequence[int]) -> str:
    """The shape of a wrong status, for root causes: ``POST answered 200 where 201 was expected``.

    The path is left out on purpose: one provider bug answers the same wrong status on every
    endpoint (a create that says 200 says it for Users and Groups alike).
    """
    method = response.exchange.method if response.exchange is not None else "the request"
    media = _media_refusal(response, expected) or _disguised_error(response)
    if media is not None:
        return media[1]
    if response.status_code >= 500:
        # A server error or a 501 is the cause whatever the check expected instead.
        return f"{method} answered {response.status_code}"
    wanted = " or ".join(str(s) for s in expected)
    return f"{method} answered {response.status_code} where {wanted} was expected"


def _media_refusal(response: ScimResponse, expected: Sequence[int]) -> tuple[str, str] | None:
    """(row, cause) when the server refused the SCIM media type of a request the suite sent as
    the RFC says (406 to ``Accept: application/scim+json``, 415 to that ``Content-Type``)."""
    exchange = response.exchange
    if exchange is None or response.status_code not in (406, 415):
        return None
    if response.status_code in expected:
        return None
    headers = {k.lower(): v for k, v in exchange.request_headers.items()}
    if response.status_code == 406 and "application/scim+json" in headers.get("accept", ""):
        return "P-3.8-03", "a request with Accept: application/scim+json answered 406"
    if response.status_code == 415 and "application/scim+json" in headers.get("content-type", ""):
        return "P-3.8-01", "a body sent as application/scim+json answered 415"
    return None


def _disguised_error(response: ScimResponse | None) -> tuple[str, str] | None:
    """(row, cause) for a SCIM Error body sent with a 2xx status: the body's ``status`` and
    the status line disagree (P-3.12-04), whatever the check was reading."""
    if response is None or not 200 <= response.status_code < 300:
        return None
    body = response.maybe_json()
    schemas = body.get("schemas") if isinstance(body, dict) else None
    if isinstance(schemas, list) and ERROR_SCHEMA in schemas:
        return "P-3.12-04", f"an Error body answered with HTTP {response.status_code}"
    return None


#: A single resource of the core types (``/Users/{id}``), whose GET answers 200 (P-3.4.1-01).
_SINGLE_RESOURCE = re.compile(r"/(Users|Groups)/[^/?]+$")


def status_requirement(
    response: ScimResponse, expected: Sequence[int], requirement: str | Sequence[str] | None
) -> str | Sequence[str] | None:
    """The requirement a wrong status violates.

    The operation's success-status row when the server answered another 2xx than the one the
    RFC fixes, or when the check named no requirement of its own (the step merely had to
    succeed); else the check's own. Without this, a failure would cite the check's first mark,
    which is about something else.
    """
    exchange = response.exchange
    method = exchange.method if exchange is not None else ""
    media = _media_refusal(response, expected) or _disguised_error(response)
    if media is not None:
        return media[0]
    if response.status_code == 501 and 501 not in expected:
        # Optional operations run only when ServiceProviderConfig advertises them, so a 501
        # there is a false advertisement (C-5-12); PUT is not optional (P-3.5-01).
        if method == "PATCH" or (exchange is not None and "/Bulk" in exchange.url):
            return "C-5-12"
        if method == "PUT":
            return "P-3.5-01"
    row = SUCCESS_STATUS_ROWS.get((method, tuple(sorted(expected))))
    if row is None and method == "GET" and tuple(expected) == (200,) and exchange is not None:
        path = urlsplit(exchange.url).path
        row = "P-3.4.1-01" if _SINGLE_RESOURCE.search(path) and "/.search" not in path else None
    if row is not None and (requirement is None or 200 <= response.status_code < 300):
        return row
    return requirement


def assert_status(
    response: ScimResponse,
    *expected: int,
    requirement: str | Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """The response status is one of ``expected``."""
    __tracebackhide__ = True
    if response.status_code not in expected:
        body = response.maybe_json()
        detail = body.get("detail") if isinstance(body, dict) else None
        received = f"{response.status_code}" + (f" ({_short(str(detail))})" if detail else "")
        raise fail(
            title or f"Unexpected status {response.status_code}",
            expected=" or ".join(str(s) for s in expected),
            received=received,
            response=response,
            requirement=status_requirement(response, expected, requirement),
            cause=status_cause(response, expected),
        )


def json_object(
    response: ScimResponse, requirement: str | Sequence[str] | None = None
) -> dict[str, Any]:
    """The body as a JSON object (a failure for anything else)."""
    __tracebackhide__ = True
    body = response.json()
    check(
        isinstance(body, dict),
        "The response body is not a JSON object",
        expected="a JSON object",
        received=_short(response.text),
        response=response,
        requirement=requirement or "P-3.8-01",  # a step's body: JSON responses (RFC 7644 §3.8)
    )
    return dict(body)


def assert_scim_error(
    response: ScimResponse,
    status: int | Iterable[int] | None = None,
    scim_type: str | Iterable[str] | None = None,
    *,
    requirement: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """An RFC 7644 §3.12 Error: status, schemas, ``status`` as a matching string, scimType."""
    __tracebackhide__ = True
    if status is not None:
        statuses = (status,) if isinstance(status, int) else tuple(status)
        assert_status(response, *statuses, requirement=requirement)
    body = json_object(response, requirement=requirement)
    check(
        body.get("schemas") == [ERROR_SCHEMA] or ERROR_SCHEMA in (body.get("schemas") or []),
        "The error body does not carry the SCIM Error schema",
        expected=f'schemas: ["{ERROR_SCHEMA}"]',
        received=f"schemas: {body.get('schemas')!r}",
        response=response,
        requirement="P-3.12-02",
    )
    check(
        isinstance(body.get("status"), str),
        "The error body's status is not a string",
        expected=f'"status": "{response.status_code}" (a JSON string)',
        received=f'"status": {json.dumps(body.get("status"))}',
        response=response,
        requirement="P-3.12-03",
    )
    check(
        body.get("status") == str(response.status_code),
        "The error body's status disagrees with the HTTP status",
        expected=str(response.status_code),
        received=body.get("status"),
        response=response,
        requirement="P-3.12-04",
    )
    if "scimType" in body:
        check(
            body["scimType"] in SCIM_TYPES,
            "The error's scimType is not an RFC 7644 keyword",
            expected=" | ".join(SCIM_TYPES),
            received=body["scimType"],
            response=response,
            requirement="P-3.12-05",
        )
    if scim_type is not None:
        allowed = (scim_type,) if isinstance(scim_type, str) else tuple(scim_type)
        check(
            body.get("scimType") in allowed,
            "Wrong or missing scimType",
            expected=" or ".join(allowed),
            received=body.get("scimType", "(no scimType)"),
            response=response,
            requirement=keyword_requirements(allowed, requirement),
        )
    # Last, so that the specific findings above are reported first (P-3.12-01).
    assert_valid(body, "Error", response=response, requirement="P-3.12-01")
    return body


@cache
def _registry() -> Registry[Any]:
    resources = []
    for path in sorted((schemas_dir() / "json").glob("*.schema.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        resources.append((document["$id"], Resource.from_contents(document)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator for ``schemas/json/<name>.schema.json``."""
    path = schemas_dir() / "json" / f"{name}.schema.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    return Draft202012Validator(document, registry=_registry(), format_checker=FormatChecker())


def assert_valid(
    body: Any,
    name: str,
    *,
    response: ScimResponse | None = None,
    requirement: str | Sequence[str] | None = None,
) -> None:
    """``body`` validates against the JSON Schema ``name`` (e.g. "User", "ListResponse").

    Members whose value is null are left out first: null means unassigned (RFC 7643 §2.5),
    so ``"nickName": null`` is an attribute without a value, not a string of the wrong type.
    """
    __tracebackhide__ = True
    errors = sorted(
        validator(name).iter_errors(without_nulls(body)), key=lambda e: list(e.absolute_path)
    )
    if errors:
        shown = [f"{e.json_path}: {_short(e.message, 200)}" for e in errors[:5]]
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        disguised = _disguised_error(response) if name != "Error" else None
        violated, cause = disguised or schema_violation(errors[0], name)
        raise fail(
            f"The body is not a valid {name}",
            expected=f"a document valid against schemas/json/{name}.schema.json",
            received="; ".join(shown) + more,
            response=response,
            requirement=violated or requirement,
            cause=cause,
        )


#: Catalog rows that a JSON Schema error of this kind violates, whatever the check is about.
_REQUIRED_ROWS = {"id": "C-3.1-04", "schemas": "C-3-01", "userName": "C-4.1.1-01"}
_FORMAT_ROWS = {"date-time": "C-2.3.5-01", "uri": "C-2.3.7-01", "uri-reference": "C-2.3.7-01"}
_INDEX = re.compile(r"\[\d+\]")


def schema_violation(error: Any, name: str) -> tuple[str | None, str]:
    """The requirement a JSON Schema error shows violated (None: the check's own) and the
    error's shape, the root cause shared by every check that reads such a body.

    A returned password violates C-4.1.1-07 whether the check was about PATCH or paging; a
    single value where an array belongs violates P-3.8-05; a value of the wrong JSON type
    C-2.3-02. Array indices are masked, so the same fault in another value is the same cause.
    """
    where = _INDEX.sub("[*]", error.json_path)
    keyword = error.validator
    if keyword == "not" and error.validator_value == {"required": ["password"]}:
        return "C-4.1.1-07", f"a {name} representation carries the password"
    if keyword == "type":
        wanted = error.validator_value
        row = "P-3.8-05" if wanted == "array" else "C-2.3-02"
        return row, f"{name} {where} is not of JSON type {wanted}"
    if keyword == "format" and error.validator_value in _FORMAT_ROWS:
        return (
            _FORMAT_ROWS[error.validator_value],
            f"{name} {where} is not a valid {error.validator_value}",
        )
    if keyword == "required":
        missing = next((m for m in _REQUIRED_ROWS if repr(m) in error.message), None)
        if missing is not None:
            return _REQUIRED_ROWS[missing], f"a {name} representation lacks {missing}"
    return None, f"{name} {where} fails the schema's {keyword!r} rule"


def without_nulls(value: Any) -> Any:
    """``value`` with every object member whose value is null removed, at any depth."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def assert_media_type(
    response: ScimResponse, requirement: str | Sequence[str] | None = "P-8.1-01"
) -> None:
    """The response is ``application/scim+json`` (RFC 7644 §3.1, §8.1)."""
    __tracebackhide__ = True
    check(
        response.content_type == "application/scim+json",
        "The response media type is not application/scim+json",
        expected="Content-Type: application/scim+json",
        received=f"Content-Type: {response.headers.get('Content-Type', '(none)')}",
        response=response,
        requirement=requirement,
    )


def assert_list_response(
    response: ScimResponse, *, requirement: str | Sequence[str] | None = None
) -> dict[str, Any]:
    """A 200 ListResponse (RFC 7644 §3.4.2) that validates; returns the body."""
    __tracebackhide__ = True
    assert_status(response, 200, requirement=requirement)
    body = json_object(response, requirement=requirement)
    assert_valid(body, "ListResponse", response=response, requirement=requirement)
    return body


def resources_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The Resources of a ListResponse (absent means none)."""
    resources = body.get("Resources") or []
    return [r for r in resources if isinstance(r, dict)]
