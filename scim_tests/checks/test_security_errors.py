"""Security: error answers leak no internals (RFC 7644 §3.12; CWE-209).

An error's ``detail`` is a message for the client (RFC 7644 §3.12), not the server's insides: a
stack trace, SQL text, a file-system path or the name of the framework and libraries behind the
endpoint tell an attacker what to aim at, and SCIMono CVE-2021-21479 showed the same channel
used for expression injection. Each case provokes one cheap error (a bad filter, malformed JSON,
an unknown id, a bad PATCH path, no credentials, a deeply nested filter or JSON document) and
scans the answer for such text, skipping anything the request itself contained (a server may
quote the client's own input back). A leak is graded SHOULD (P-3.2-04: errors are described by
a SCIM Error message), since no RFC sentence forbids it in so many words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import check
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP

#: (what it reveals, pattern). Library names are matched as words, case-insensitively.
LEAKS: list[tuple[str, re.Pattern[str]]] = [
    ("a Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("a source file and line", re.compile(r"File \"/|\.py\", line \d")),
    ("a Java stack frame", re.compile(r"\bat java\.|\bat org\.|Exception in thread")),
    ("a .NET exception", re.compile(r"System\.\w*Exception|NullReferenceException")),
    ("SQL text", re.compile(r"\bSELECT\b[^\n]{0,200}\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+"
                            r"\s+SET\b|\bDELETE\s+FROM\b")),  # fmt: skip
    ("a database error", re.compile(r"SQLSTATE|syntax error at or near|\bORA-\d{5}\b|"
                                    r"SQLException|sqlite3\.", re.IGNORECASE)),  # fmt: skip
    ("a file-system path", re.compile(r"/usr/lib/|/usr/local/lib/|/home/\w|/var/www/|"
                                      r"/site-packages/|[A-Za-z]:\\\\(?:Users|Program|inetpub)")),
    ("a framework or library name", re.compile(
        r"\b(?:werkzeug|flask|django|sqlalchemy|psycopg2?|hibernate|jackson|spring"
        r"framework|gunicorn|uvicorn)\b", re.IGNORECASE)),
]  # fmt: skip


def _leaks(response: ScimResponse) -> list[str]:
    """What the answer reveals that the request did not contain (reason: excerpt)."""
    exchange = response.exchange
    sent = " ".join(
        [exchange.url, exchange.request_body or "", *exchange.request_headers.values()]
        if exchange is not None else []
    )  # fmt: skip
    found = []
    for reason, pattern in LEAKS:
        for match in pattern.finditer(response.text):
            if match.group(0).lower() not in sent.lower():
                start = max(0, match.start() - 40)
                found.append(f"{reason}: …{response.text[start : match.end() + 40]!r}…")
                break
    return found


Provoke = Callable[[ScimClient, Callable[..., dict[str, Any]]], ScimResponse]


def _bad_filter(client: ScimClient, payload: Callable[..., dict[str, Any]]) -> ScimResponse:
    return client.get("/Users", params={"filter": 'userName eq "x" and ('})


def _malformed_json(client: ScimClient, payload: Callable[..., dict[str, Any]]) -> ScimResponse:
    return client.post("/Users", data='{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:')


def _unknown_id(client: ScimClient, payload: Callable[..., dict[str, Any]]) -> ScimResponse:
    return client.get(f"/Users/{client.ownership.probe_id()}")


def _bad_patch_path(client: ScimClient, payload: Callable[..., dict[str, Any]]) -> ScimResponse:
    user = create(client, "/Users", payload())
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": 'emails[type eq "work"', "value": "x"}],
    }
    return client.patch(f"/Users/{user['id']}", body)


def _no_credentials(client: ScimClient, payload: Callable[..., dict[str, Any]]) -> ScimResponse:
    return client.get("/Users", params={"count": "1"}, auth=False)


def _deep_filter(client: ScimClient, payload: Callable[..., dict[str, Any]]) -> ScimResponse:
    term = 'userName eq "scimct-nobody@example.invalid"'
    return client.get("/Users", params={"filter": "(" * 1000 + term + ")" * 1000})


def _deep_json(client: ScimClient, payload: Callable[..., dict[str, Any]]) -> ScimResponse:
    text = json.dumps(payload())[:-1] + ', "scimctNested": ' + "[" * 10_000 + "]" * 10_000 + "}"
    return client.post("/Users", data=text)


CASES: dict[str, Provoke] = {
    "bad-filter": _bad_filter,
    "malformed-json": _malformed_json,
    "unknown-id": _unknown_id,
    "bad-patch-path": _bad_patch_path,
    "no-credentials": _no_credentials,
    "deep-filter": _deep_filter,
    "deep-json": _deep_json,
}
#: Cases that need an optional feature.
FEATURES = {"bad-filter": "filter", "deep-filter": "filter", "bad-patch-path": "patch"}


@pytest.mark.parametrize(
    "case",
    [pytest.param(name, marks=[pytest.mark.scim_feature(FEATURES[name])] if name in FEATURES
                  else []) for name in CASES],
)  # fmt: skip
@requirement("P-3.2-04", "P-3.12-01")
def test_error_body_leaks_no_internals(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]], case: str
) -> None:
    """An error answer carries no stack trace, SQL text, file-system path or framework name
    that the request did not send (P-3.2-04, P-3.12-01; CWE-209, SCIMono CVE-2021-21479)."""
    if case == "no-credentials" and not scim_client.auth_headers:
        pytest.skip("the run has no credentials, so a request without them is not an error")
    response = CASES[case](scim_client, user_payload)
    if response.status_code < 400:
        pytest.skip(f"the server answered {response.status_code}: no error to inspect")
    leaks = _leaks(response)
    check(not leaks, f"The {response.status_code} answer to a {case} request reveals internals",
          expected="a SCIM Error whose detail says what was wrong with the request",
          received="; ".join(leaks), response=response, requirement=("P-3.2-04", "P-3.12-01"),
          cause="error answers reveal server internals")  # fmt: skip
