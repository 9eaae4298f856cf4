"""Assertion helpers for checks; each raises :class:`ConformanceFailure` with the exchange.

All helpers hide their frames (``__tracebackhide__``) so a traceback ends at the check's line.
Pass ``requirement=`` with the catalog id the assertion decides, so the failure names it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

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
) -> ConformanceFailure:
    """Build (not raise) a failure; ``raise fail(...)`` in checks."""
    return ConformanceFailure(
        title,
        expected=expected,
        received=received,
        exchange=response.exchange if response is not None else None,
        requirements=_ids(requirement),
        hint=hint,
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
        )


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


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
            requirement=requirement,
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
        requirement=requirement,
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
            requirement=requirement,
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
    """``body`` validates against the JSON Schema ``name`` (e.g. "User", "ListResponse")."""
    __tracebackhide__ = True
    errors = sorted(validator(name).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        shown = [f"{e.json_path}: {_short(e.message, 200)}" for e in errors[:5]]
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        raise fail(
            f"The body is not a valid {name}",
            expected=f"a document valid against schemas/json/{name}.schema.json",
            received="; ".join(shown) + more,
            response=response,
            requirement=requirement,
        )


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
