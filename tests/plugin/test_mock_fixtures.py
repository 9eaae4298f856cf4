"""The client developer's fixtures (scim_tests.mock_fixtures) through pytester.

Every pytester file holds a tiny ``requests``-based directory client, the code a connector
author would test, and runs it against ``scim_mock_server`` (a live socket) and
``scim_mock_responses`` (in-process through ``responses``). Control endpoints that other parts
of the mock provide are tested where the mock serves them (skipped, saying so, otherwise).
"""

from __future__ import annotations

import functools

import pytest

import tests.plugin.preload  # noqa: F401  (speeds up in-process runs)
from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_tests.mock_fixtures import (
    assert_report_card,
    build_config,
    config_key,
    tenant_name,
    tenants_available,
)

CLIENT = '''
import pytest
import requests

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


class DirectoryClient:
    """The client under test: creates, finds and lists users."""

    def __init__(self, url, token):
        self.url = url
        self.session = requests.Session()
        self.session.headers.update({
            "Authorization": f"Bearer {token}",
            "Accept": "application/scim+json",
            "Content-Type": "application/scim+json",
        })

    def create(self, user_name):
        answer = self.session.post(
            f"{self.url}/Users", json={"schemas": [USER], "userName": user_name}, timeout=5
        )
        answer.raise_for_status()
        return answer.json()

    def find(self, user_name):
        answer = self.session.get(
            f"{self.url}/Users", params={"filter": f'userName eq "{user_name}"'}, timeout=5
        )
        answer.raise_for_status()
        return answer.json()["Resources"]

    def count(self):
        answer = self.session.get(f"{self.url}/Users", timeout=5)
        answer.raise_for_status()
        return answer.json()["totalResults"]

    def create_with_retry(self, user_name, attempts=3):
        for _ in range(attempts):
            try:
                return self.create(user_name)
            except (requests.HTTPError, requests.ConnectionError):
                continue
        raise RuntimeError("gave up")
'''


@functools.cache
def _routes() -> frozenset[str]:
    app = create_app(MockConfig(token="t"))
    return frozenset(f"{method} {rule.rule}" for rule in app.url_map.iter_rules()
                     for method in rule.methods or ())  # fmt: skip


def _require(*routes: str) -> None:
    missing = [route for route in routes if route not in _routes()]
    if missing:
        pytest.skip(f"this scim_mock does not serve {', '.join(missing)} yet")


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_client=CLIENT + source)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


# -- registration ----------------------------------------------------------------------------


def test_fixtures_and_marker_are_documented(pytester: pytest.Pytester) -> None:
    """``--fixtures`` lists both fixtures and ``--markers`` the configuration marker."""
    result = pytester.runpytest_inprocess("--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*scim_mock_server*", "*scim_mock_responses*"], consecutive=False)
    result = pytester.runpytest_inprocess("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["@pytest.mark.scim_mock_config(personas=*"])


def test_the_marker_passes_strict_markers(pytester: pytest.Pytester) -> None:
    """A user test with the marker collects under --strict-markers."""
    result = _run(
        pytester,
        "@pytest.mark.scim_mock_config(patch_supported=False)\ndef test_x():\n    pass\n",
        "--strict-markers",
    )
    result.assert_outcomes(passed=1)


# -- scim_mock_server ------------------------------------------------------------------------

LIVE = """
ORIGINS = set()


def test_creates_and_finds(scim_mock_server):
    client = DirectoryClient(scim_mock_server.url, scim_mock_server.token)
    client.create("alice")
    assert [u["userName"] for u in client.find("alice")] == ["alice"]
    ORIGINS.add(scim_mock_server.origin)
    assert scim_mock_server.url.startswith("http://127.0.0.1:")


def test_starts_afresh(scim_mock_server):
    client = DirectoryClient(scim_mock_server.url, scim_mock_server.token)
    assert client.count() == 0
    ORIGINS.add(scim_mock_server.origin)


def test_one_server_for_the_session(scim_mock_server, scim_mock_server_pool):
    ORIGINS.add(scim_mock_server.origin)
    assert len(ORIGINS) == 1 and len(scim_mock_server_pool) == 1


def test_headers_are_what_a_client_sends(scim_mock_server):
    answer = requests.get(scim_mock_server.url + "/Users", headers=scim_mock_server.headers)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/scim+json")
"""


@pytest.mark.parametrize("isolation", ["reset", "tenant"])
def test_live_server_per_session_fresh_per_test(pytester: pytest.Pytester, isolation: str) -> None:
    """One live server for the session; each test sees an empty directory (reset or tenant)."""
    if isolation == "tenant" and not tenants_available():
        pytest.skip("this scim_mock has no tenants yet")
    pytester.makeconftest(
        f"import pytest\n@pytest.fixture\ndef scim_mock_isolation():\n    return {isolation!r}\n"
    )
    _run(pytester, LIVE).assert_outcomes(passed=4)


def test_the_tenant_is_the_tests_own(pytester: pytest.Pytester) -> None:
    """With tenants, the base URL names the test's tenant, and the tenant is dropped after."""
    if not tenants_available():
        pytest.skip("this scim_mock has no tenants yet")
    source = (
        "def test_tenant(scim_mock_server):\n"
        "    assert scim_mock_server.tenant\n"
        "    assert f'/tenants/{scim_mock_server.tenant}/scim/v2' in scim_mock_server.url\n"
        "    DirectoryClient(scim_mock_server.url, scim_mock_server.token).create('bob')\n"
    )
    _run(pytester, source).assert_outcomes(passed=1)


def test_journal_assertions_on_the_live_server(pytester: pytest.Pytester) -> None:
    """``.requests(**filters)`` shows what the client sent (newest last), filtered."""
    _require("GET /_mock/requests")
    source = """
def test_journal(scim_mock_server):
    client = DirectoryClient(scim_mock_server.url, scim_mock_server.token)
    client.create("alice")
    client.find("alice")
    sent = scim_mock_server.requests()
    assert [(e["method"], e["status"]) for e in sent] == [("POST", 201), ("GET", 200)]
    assert sent[0]["requestHeaders"]["Authorization"] == "<redacted>"
    assert [e["method"] for e in scim_mock_server.requests(method="POST")] == ["POST"]
    scim_mock_server.clear_requests()
    assert scim_mock_server.requests() == []
"""
    _run(pytester, source).assert_outcomes(passed=1)


MARKED = """
SPC = "/ServiceProviderConfig"


@pytest.mark.scim_mock_config(patch_supported=False, filter_max_results=2)
def test_configured(scim_mock_server):
    spc = requests.get(scim_mock_server.url + SPC, headers=scim_mock_server.headers).json()
    assert spc["patch"]["supported"] is False
    assert spc["filter"]["maxResults"] == 2


@pytest.mark.scim_mock_config(filter_max_results=2, patch_supported=False)
def test_same_config_same_server(scim_mock_server, scim_mock_server_pool):
    assert len(scim_mock_server_pool) == 1


def test_default(scim_mock_server, scim_mock_server_pool):
    spc = requests.get(scim_mock_server.url + SPC, headers=scim_mock_server.headers).json()
    assert spc["patch"]["supported"] is True
    assert len(scim_mock_server_pool) == 2


@pytest.mark.scim_mock_config(patch_supported=False)
def test_in_process_too(scim_mock_responses):
    spc = requests.get(scim_mock_responses.url + SPC, headers=scim_mock_responses.headers)
    assert spc.json()["patch"]["supported"] is False
"""


def test_the_marker_configures_a_server_per_distinct_config(pytester: pytest.Pytester) -> None:
    """A marker gets a differently configured mock, cached per configuration."""
    _run(pytester, MARKED).assert_outcomes(passed=4)


def test_a_bad_marker_is_a_clear_error(pytester: pytest.Pytester) -> None:
    """An unknown MockConfig field or a bad value fails the set-up, naming the problem."""
    source = (
        "@pytest.mark.scim_mock_config(no_such_field=1)\n"
        "def test_unknown(scim_mock_server):\n    pass\n"
        "@pytest.mark.scim_mock_config(patch_response='sometimes')\n"
        "def test_bad_value(scim_mock_responses):\n    pass\n"
    )
    result = _run(pytester, source)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        ["*unknown MockConfig field(s)*no_such_field*", "*patch_response must be one of*"],
        consecutive=False,
    )


def test_a_missing_control_endpoint_is_named(pytester: pytest.Pytester) -> None:
    """A helper whose endpoint the mock does not serve raises MockControlError naming it."""
    source = """
from scim_tests.mock_fixtures import MockControlError


@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_missing(request, fixture):
    mock = request.getfixturevalue(fixture)
    missing = r"GET [^ ]*/_mock/no-such-thing answered 404.*no such"
    with pytest.raises(MockControlError, match=missing):
        mock.control("GET", "no-such-thing")
"""
    _run(pytester, source).assert_outcomes(passed=2)


# -- scim_mock_responses ---------------------------------------------------------------------

IN_PROCESS = """
import socket


def test_no_socket(scim_mock_responses, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "create_connection", refuse)
    client = DirectoryClient(scim_mock_responses.url, scim_mock_responses.token)
    created = client.create("alice")
    assert created["meta"]["location"].startswith("https://scim.example.test/scim/v2/Users/")
    assert [u["id"] for u in client.find("alice")] == [created["id"]]


def test_fresh_app_per_test(scim_mock_responses):
    assert DirectoryClient(scim_mock_responses.url, scim_mock_responses.token).count() == 0
    assert scim_mock_responses.app.extensions["scim_mock"].config.base_path == "/scim/v2"


def test_errors_come_back_as_answers(scim_mock_responses):
    mock = scim_mock_responses
    answer = requests.get(mock.url + "/Users/nope", headers=mock.headers)
    assert answer.status_code == 404
    assert answer.json()["status"] == "404"
    unauthenticated = requests.get(mock.url + "/Users")
    assert unauthenticated.status_code == 401
    assert "WWW-Authenticate" in unauthenticated.headers


def test_other_urls_are_not_served(scim_mock_responses):
    with pytest.raises(requests.ConnectionError):
        requests.get("https://elsewhere.example.test/scim/v2/Users", timeout=5)


def test_reset_between_calls(scim_mock_responses):
    client = DirectoryClient(scim_mock_responses.url, scim_mock_responses.token)
    client.create("alice")
    scim_mock_responses.reset()
    assert client.count() == 0
"""


def test_responses_routes_requests_into_the_app(pytester: pytest.Pytester) -> None:
    """``requests`` calls reach a fresh in-process app per test, without any socket."""
    _run(pytester, IN_PROCESS).assert_outcomes(passed=5)


def test_the_base_url_can_be_overridden(pytester: pytest.Pytester) -> None:
    """Overriding ``scim_mock_base_url`` serves the client's own URL and base path."""
    pytester.makeconftest(
        "import pytest\n@pytest.fixture\ndef scim_mock_base_url():\n"
        "    return 'http://idp.corp.test:8080/api/scim/'\n"
    )
    source = """
def test_own_url(scim_mock_responses):
    assert scim_mock_responses.url == "http://idp.corp.test:8080/api/scim"
    created = DirectoryClient(scim_mock_responses.url, scim_mock_responses.token).create("bo")
    assert created["meta"]["location"].startswith("http://idp.corp.test:8080/api/scim/Users/")
"""
    _run(pytester, source).assert_outcomes(passed=1)


def test_journal_assertions_in_process(pytester: pytest.Pytester) -> None:
    """The in-process mock keeps a journal too."""
    _require("GET /_mock/requests")
    source = """
def test_journal(scim_mock_responses):
    client = DirectoryClient(scim_mock_responses.url, scim_mock_responses.token)
    client.create("alice")
    client.find("alice")
    assert [e["method"] for e in scim_mock_responses.requests()] == ["POST", "GET"]
    assert [e["status"] for e in scim_mock_responses.requests(method="GET")] == [200]
"""
    _run(pytester, source).assert_outcomes(passed=1)


# -- fault rules, report card, seed, clock (where the mock serves them) ----------------------

FAULTS = """
@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_a_503_once_then_served(request, fixture):
    mock = request.getfixturevalue(fixture)
    rule = mock.add_fault({"match": {"method": "POST", "path": "/Users*"},
                           "action": {"status": 503}, "trigger": {"once": True}})
    assert rule is not None
    client = DirectoryClient(mock.url, mock.token)
    with pytest.raises(requests.HTTPError):
        client.create("alice")
    assert client.create("alice")["userName"] == "alice"
    mock.clear_faults()
    assert mock.faults() == []


@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_a_dropped_connection_is_a_connection_error(request, fixture):
    mock = request.getfixturevalue(fixture)
    mock.add_fault({"match": {"method": "POST"}, "action": {"drop": True},
                    "trigger": {"once": True}})
    client = DirectoryClient(mock.url, mock.token)
    with pytest.raises(requests.ConnectionError):
        client.create("alice")
    assert client.count() == 0  # the dropped write was not performed
    assert client.create_with_retry("alice")["userName"] == "alice"


@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_a_truncated_body_breaks_the_read(request, fixture):
    mock = request.getfixturevalue(fixture)
    mock.add_fault({"match": {"method": "GET"}, "action": {"truncate": True},
                    "trigger": {"once": True}})
    client = DirectoryClient(mock.url, mock.token)
    client.create("alice")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        client.count()
    assert client.count() == 1


def test_faults_do_not_leak_into_the_next_test(scim_mock_server):
    assert scim_mock_server.faults() == []
    assert DirectoryClient(scim_mock_server.url, scim_mock_server.token).create("x")
"""


def test_fault_rules_through_both_fixtures(pytester: pytest.Pytester) -> None:
    """``add_fault``/``faults``/``clear_faults``; a dropped connection is ConnectionError."""
    _require("POST /_mock/faults", "GET /_mock/faults", "DELETE /_mock/faults")
    _run(pytester, FAULTS).assert_outcomes(passed=7)


REPORT = """
from scim_tests.mock_fixtures import MockControlError

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_a_clean_client_has_a_clean_card(request, fixture):
    mock = request.getfixturevalue(fixture)
    DirectoryClient(mock.url, mock.token).create("alice")
    assert mock.assert_report()["findings"] == []


@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_a_patch_without_operations_is_found(request, fixture):
    mock = request.getfixturevalue(fixture)
    created = DirectoryClient(mock.url, mock.token).create("alice")
    requests.patch(f"{mock.url}/Users/{created['id']}", json={"schemas": [PATCH_OP]},
                   headers=mock.headers, timeout=5)
    rules = {f["rule"] for f in mock.report()["findings"]}
    assert rules
    with pytest.raises(AssertionError):
        mock.assert_report()
    mock.assert_report(allow=rules)
    mock.assert_report(expect=rules)
"""


def test_report_card_through_both_fixtures(pytester: pytest.Pytester) -> None:
    """``report()`` and ``assert_report(expect=, allow=)`` judge what the client sent."""
    _require("GET /_mock/report")
    _run(pytester, REPORT).assert_outcomes(passed=4)


SEED_AND_CLOCK = """
@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_seed(request, fixture):
    mock = request.getfixturevalue(fixture)
    mock.seed(users=5, groups=2, seed=7)
    assert DirectoryClient(mock.url, mock.token).count() == 5


@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_frozen_clock(request, fixture):
    mock = request.getfixturevalue(fixture)
    mock.clock(freeze="2026-01-01T00:00:00Z")
    created = DirectoryClient(mock.url, mock.token).create("alice")
    assert created["meta"]["created"].startswith("2026-01-01T00:00:00")
    mock.clock(advance=60)
    assert mock.clock() is not None
"""


def test_seed_and_clock_through_both_fixtures(pytester: pytest.Pytester) -> None:
    """``seed()`` fills the directory; ``clock(freeze=...)`` fixes ``meta`` timestamps."""
    _require("POST /_mock/seed", "POST /_mock/clock", "GET /_mock/clock")
    _run(pytester, SEED_AND_CLOCK).assert_outcomes(passed=4)


PERSONAS = """
@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
@pytest.mark.scim_mock_config(personas=["page-cap:2"])
def test_a_persona(request, fixture):
    mock = request.getfixturevalue(fixture)
    client = DirectoryClient(mock.url, mock.token)
    for name in ("a", "b", "c"):
        client.create(name)
    page = requests.get(mock.url + "/Users", params={"count": 10}, headers=mock.headers).json()
    assert page["totalResults"] == 3 and len(page["Resources"]) == 2
    assert any(p.get("name") == "page-cap" for p in json_list(mock.personas()))


def json_list(document):
    return document if isinstance(document, list) else document.get("personas", [])
"""


def test_the_marker_takes_personas(pytester: pytest.Pytester) -> None:
    """``personas=[...]`` in the marker starts the mock with those personas."""
    _require("GET /_mock/personas")
    _run(pytester, PERSONAS).assert_outcomes(passed=2)


ADMIN = """
from scim_tests.mock_fixtures import MockControlError


@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
@pytest.mark.scim_mock_config(admin_token="admin-secret")
def test_admin_token(request, fixture):
    mock = request.getfixturevalue(fixture)
    DirectoryClient(mock.url, mock.token).create("alice")
    assert [e["method"] for e in mock.requests()] == ["POST"]
    refused = requests.get(mock.url.rsplit("/scim/v2", 1)[0] + "/_mock/requests",
                           headers=mock.headers)
    assert refused.status_code == 401
"""


def test_the_control_api_uses_the_admin_token(pytester: pytest.Pytester) -> None:
    """With ``admin_token`` the helpers authenticate with it; the SCIM token is refused there."""
    _require("GET /_mock/requests")
    _run(pytester, ADMIN).assert_outcomes(passed=2)


SNAPSHOT_AND_HAR = """
@pytest.mark.parametrize("fixture", ["scim_mock_server", "scim_mock_responses"])
def test_snapshot_restore_and_har(request, fixture):
    mock = request.getfixturevalue(fixture)
    client = DirectoryClient(mock.url, mock.token)
    client.create("alice")
    kept = mock.snapshot()
    client.create("bob")
    mock.restore(kept)
    assert client.count() == 1
    har = mock.har(method="POST")
    assert har["log"]["version"] == "1.2"
    urls = [e["request"]["url"] for e in har["log"]["entries"]]
    assert urls == [mock.url + "/Users"] * 2
"""


def test_snapshot_and_har_through_both_fixtures(pytester: pytest.Pytester) -> None:
    """``snapshot()``/``restore()`` and ``har()`` (absolute URLs: the client's own host)."""
    _require("POST /_mock/snapshot", "POST /_mock/restore", "GET /_mock/requests.har")
    _run(pytester, SNAPSHOT_AND_HAR).assert_outcomes(passed=2)


# -- the pieces, directly --------------------------------------------------------------------


def test_tenant_names_are_valid_and_distinct() -> None:
    """Tenant names fit ``[A-Za-z0-9_-]{1,64}`` and differ per node id."""
    names = {tenant_name(f"tests/test_x.py::test_{'y' * 80}[case {n}]") for n in range(3)}
    assert len(names) == 3
    assert all(len(n) <= 64 and n.replace("-", "").replace("_", "").isalnum() for n in names)
    assert tenant_name("::[]").startswith("t-")


def test_configs_are_keyed_by_value() -> None:
    """Lists and tuples give the same key; different values different keys."""
    assert config_key({"compat": ["okta"], "a": 1}) == config_key({"a": 1, "compat": ("okta",)})
    assert config_key({"a": 1}) != config_key({"a": 2})


def test_build_config_normalises_fields() -> None:
    """A random token unless given, compat as a tuple, transport_faults from a dict."""
    config = build_config({"compat": "okta", "transport_faults": {"latency_ms": 5}})
    assert config.compat == ("okta",) and config.transport_faults.latency_ms == 5
    assert config.token and config.token != build_config({}).token
    assert build_config({}, token="fixed").token == "fixed"
    with pytest.raises(pytest.UsageError, match="unknown MockConfig field"):
        build_config({"nope": 1})


def test_report_card_assertion() -> None:
    """``expect`` rules must be found; anything outside ``expect`` and ``allow`` fails."""
    from scim_mock.report_card import RULES

    first, second = sorted(RULES)[:2]
    card = {"findings": [{"rule": first, "requirement": None, "count": 1, "example": {}}]}
    assert set(assert_report_card(card, expect=[first])) == {first}
    assert_report_card(card, allow=[first])
    with pytest.raises(AssertionError, match=first):
        assert_report_card(card)
    with pytest.raises(AssertionError, match=second):
        assert_report_card(card, expect=[first, second])
