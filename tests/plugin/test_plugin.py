"""The pytest plugin through pytester: inert, configurable, validating, robust and tidy.

Suite runs use the delete module (``scim_tests.checks.test_delete``): small, and enough to
exercise target set-up, the client, failures and cleanup.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import requests

import tests.plugin.preload  # noqa: F401  (speeds up in-process runs)
from scim_mock.config import MockConfig
from scim_mock.server import MockServer
from tests.plugin.stubs import closed_port, garbage_server, silent_server

DELETE_CHECKS = "scim_tests.checks.test_delete"
TOKEN = "harness-secret-token"
ENV = ("SCIM_URL", "SCIM_TOKEN", "SCIM_TIMEOUT", "SCIM_AUTH_HEADER", "SCIM_RUN_ID")
SHOW_CONFIG = """
def test_show(scim_config):
    print(f"CONFIG url={scim_config.url} timeout={scim_config.timeout:g} "
          f"token={scim_config.token} header={scim_config.auth_header}")
"""


@pytest.fixture(autouse=True)
def _no_scim_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mock_server() -> Iterator[MockServer]:
    """A mock we start ourselves, so the test can inspect what a run left behind."""
    with MockServer(MockConfig(token=TOKEN)) as server:
        yield server


def _suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_inprocess(
        "--pyargs", DELETE_CHECKS, "-p", "no:cacheprovider", "-p", "no:randomly", *args
    )


def _leftovers(server: MockServer) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/scim+json"}
    return {
        endpoint: requests.get(f"{server.url}/{endpoint}", headers=headers, timeout=5).json()[
            "totalResults"
        ]
        for endpoint in ("Users", "Groups")
    }


# -- inert, self-documenting -------------------------------------------------------------------


def test_plain_tests_are_unaffected_without_a_target(pytester: pytest.Pytester) -> None:
    """No target: an ordinary test module runs as usual and no scim header line appears."""
    pytester.makepyfile("def test_plain():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "scim:" not in result.stdout.str()


def test_checks_skip_without_a_target(pytester: pytest.Pytester) -> None:
    """No target: the SCIM checks skip, and the reason says how to give one."""
    result = _suite(pytester, "-rs")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*no SCIM target: pass --scim-url URL or --scim-mock*"])


def test_markers_are_registered_with_help(pytester: pytest.Pytester) -> None:
    """``pytest --markers`` documents both markers."""
    result = pytester.runpytest_inprocess("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.scim_requirement(id, rfc, section, level):*level='MUST'*",
            "@pytest.mark.scim_feature(name):*ServiceProviderConfig*",
        ]
    )


def test_strict_markers_and_config_are_clean(pytester: pytest.Pytester) -> None:
    """The suite and a user test with our markers collect under --strict-markers/--strict-config."""
    pytester.makepyfile(
        "import pytest\n"
        "@pytest.mark.scim_feature('patch')\n"
        "@pytest.mark.scim_requirement(id='P-3.6-02', rfc=7644, section='3.6', level='MUST')\n"
        "def test_user():\n    pass\n"
    )
    pytester.makeini("[pytest]\nscim_timeout = 5\n")
    result = pytester.runpytest_inprocess(
        "--strict-markers", "--strict-config", "--collect-only", "-q", "-p", "no:cacheprovider",
        "test_strict_markers_and_config_are_clean.py", "--pyargs", DELETE_CHECKS,
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["4 tests collected*"])


# -- options: CLI > ini > environment --------------------------------------------------------


@pytest.mark.parametrize(
    ("cli", "ini", "env", "expected"),
    [
        (True, True, True, "cli"),
        (False, True, True, "ini"),
        (False, False, True, "env"),
    ],
)
def test_url_and_timeout_resolve_cli_over_ini_over_env(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    cli: bool,
    ini: bool,
    env: bool,
    expected: str,
) -> None:
    """Each source is used only when every stronger source is silent."""
    base = f"http://127.0.0.1:{closed_port()}"
    timeouts = {"cli": "1.5", "ini": "2.5", "env": "3.5"}
    pytester.makepyfile(SHOW_CONFIG)
    if ini:
        pytester.makeini(f"[pytest]\nscim_url = {base}/ini\nscim_timeout = {timeouts['ini']}\n")
    if env:
        monkeypatch.setenv("SCIM_URL", f"{base}/env")
        monkeypatch.setenv("SCIM_TIMEOUT", timeouts["env"])
    args = ["--scim-url", f"{base}/cli", "--scim-timeout", timeouts["cli"]] if cli else []
    result = pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*CONFIG url={base}/{expected} timeout={timeouts[expected]} *"])


def test_token_comes_from_the_environment_unless_given(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SCIM_TOKEN is read from the environment; --scim-token wins over it."""
    pytester.makepyfile(SHOW_CONFIG)
    url = f"http://127.0.0.1:{closed_port()}/scim/v2"
    monkeypatch.setenv("SCIM_TOKEN", "from-env")
    result = pytester.runpytest_inprocess("-s", "-p", "no:cacheprovider", "--scim-url", url)
    result.stdout.fnmatch_lines(["*CONFIG * token=from-env header=None"])
    result = pytester.runpytest_inprocess(
        "-s", "-p", "no:cacheprovider", "--scim-url", url, "--scim-token", "from-cli"
    )
    result.stdout.fnmatch_lines(["*CONFIG * token=from-cli header=None"])


def test_custom_auth_header_is_parsed(pytester: pytest.Pytester) -> None:
    """--scim-auth-header 'Name: value' becomes one header (value trimmed, colons kept)."""
    pytester.makepyfile(SHOW_CONFIG)
    result = pytester.runpytest_inprocess(
        "-s", "-p", "no:cacheprovider", "--scim-url", f"http://127.0.0.1:{closed_port()}",
        "--scim-auth-header", "X-Api-Key:  k3y:with:colons ",
    )  # fmt: skip
    result.stdout.fnmatch_lines(["*CONFIG * header=('X-Api-Key', 'k3y:with:colons')"])


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--scim-auth-header", "no-colon-here", "*--scim-auth-header must be 'Name: value'*"),
        ("--scim-auth-header", ": value", "*--scim-auth-header must be 'Name: value'*"),
        ("--scim-timeout", "soon", "*--scim-timeout must be a positive number, got 'soon'*"),
        ("--scim-timeout", "0", "*--scim-timeout must be a positive number, got '0'*"),
    ],
)
def test_bad_option_values_are_usage_errors(
    pytester: pytest.Pytester, option: str, value: str, message: str
) -> None:
    """A malformed option stops the run before anything is sent, saying what is wrong."""
    pytester.makepyfile(SHOW_CONFIG)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--scim-url", "http://127.0.0.1:1", f"{option}={value}"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_report_header_names_target_run_id_and_features(pytester: pytest.Pytester) -> None:
    """One header line reproduces the run: target, run id, timeout, version; then features."""
    result = _suite(pytester, "--scim-mock", "--scim-run-id", "hdr42", "--collect-only")
    result.stdout.fnmatch_lines(
        [
            "scim: target=http://127.0.0.1:*/scim/v2 (bundled mock) run-id=hdr42 timeout=10s "
            "scim_tests=*",
            "scim: patch=yes bulk=yes(ops *, bytes *) filter=yes(max *) changePassword=yes "
            "sort=yes etag=yes",
        ]
    )


# -- markers ----------------------------------------------------------------------------------


PROFILED = """
import pytest

@pytest.mark.scim_profile("okta")
def test_okta_only():
    pass

@pytest.mark.scim_profile("entra")
def test_entra_only():
    pass

def test_core():
    pass
"""


@pytest.mark.parametrize(
    ("args", "ran"),
    [
        ((), {"test_core"}),
        (("--scim-profile", "okta"), {"test_core", "test_okta_only"}),
        (("--scim-profile", "okta,entra"), {"test_core", "test_okta_only", "test_entra_only"}),
        (("--scim-profile", "entra", "--scim-profile", "okta"),
         {"test_core", "test_okta_only", "test_entra_only"}),
    ],
)  # fmt: skip
def test_profile_checks_run_only_when_their_profile_is_asked_for(
    pytester: pytest.Pytester, args: tuple[str, ...], ran: set[str]
) -> None:
    """A ``scim_profile`` check is deselected unless ``--scim-profile`` names its profile."""
    pytester.makepyfile(PROFILED)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-v", *args)
    assert result.ret == pytest.ExitCode.OK
    passed = {r.nodeid.rsplit("::", 1)[-1] for r in result.reprec.getreports() if r.passed
              and r.when == "call"}  # type: ignore[attr-defined]  # fmt: skip
    assert passed == ran
    result.assert_outcomes(passed=len(ran), deselected=3 - len(ran))


def test_profile_comes_from_the_environment_and_is_validated(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SCIM_PROFILE selects profiles like the option; an unknown name is a usage error."""
    pytester.makepyfile(PROFILED)
    monkeypatch.setenv("SCIM_PROFILE", "entra")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, deselected=1)
    monkeypatch.delenv("SCIM_PROFILE")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--scim-profile", "okta,aws")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--scim-profile: unknown aws (known: okta, entra, interop)*"])


def test_report_header_names_profiles_and_dialects(pytester: pytest.Pytester) -> None:
    """The header says which client profiles ran and which dialects the mock spoke."""
    result = _suite(pytester, "--scim-mock", "--scim-run-id", "hdr43", "--collect-only",
                    "--scim-profile", "entra", "--scim-mock-compat", "okta,entra")  # fmt: skip
    result.stdout.fnmatch_lines(["scim: target=* run-id=hdr43 * compat=okta,entra profiles=entra"])


def test_invalid_marker_use_is_a_usage_error_listing_every_problem(
    pytester: pytest.Pytester,
) -> None:
    """Unknown id, bad level, wrong section, unknown feature: all named, nothing runs."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scim_requirement(id="P-9.9-99", rfc=7644, section="9.9", level="MUST")
        def test_unknown_id():
            pass

        @pytest.mark.scim_requirement(id="P-3.6-02", rfc=7644, section="3.6", level="MUSTN'T")
        def test_bad_level():
            pass

        @pytest.mark.scim_requirement(id="P-3.6-02", rfc=7644, section="3.5", level="MUST")
        def test_wrong_section():
            pass

        @pytest.mark.scim_feature("teleport")
        def test_unknown_feature():
            pass
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*invalid scim markers:*",
            "*test_unknown_id: scim_requirement id 'P-9.9-99' is not in the catalog*",
            '*test_bad_level: scim_requirement level "MUSTN\'T" is not one of*',
            "*test_wrong_section: scim_requirement P-3.6-02 says rfc=7644 section=3.5*"
            "the catalog says 7644 §3.6 MUST*",
            "*test_unknown_feature: scim_feature 'teleport' is not one of*",
        ]
    )
    assert "passed" not in result.stdout.str()


def test_junit_xml_carries_requirement_properties(pytester: pytest.Pytester) -> None:
    """Each testcase in --junitxml lists its requirement ids and levels as properties."""
    result = _suite(pytester, "--scim-mock", "--junitxml=junit.xml")
    result.assert_outcomes(passed=3)
    tree = ET.parse(pytester.path / "junit.xml")
    properties = {
        case.get("name"): [
            p.get("value") for p in case.iter("property") if p.get("name") == "scim_requirement"
        ]
        for case in tree.iter("testcase")
    }
    assert properties["test_delete_returns_204_and_resource_is_gone"] == [
        "P-3.6-05 MUST",
        "P-3.6-02 MUST",
    ]
    assert properties["test_deleted_user_name_can_be_reused"] == ["P-3.6-04 SHOULD NOT"]


GONE = "test_delete_returns_204_and_resource_is_gone"
GONE_FROM_QUERIES = "test_deleted_user_is_gone_from_queries"
REUSED = "test_deleted_user_name_can_be_reused"


@pytest.mark.parametrize(
    ("expression", "selected"),
    [
        ("scim_requirement(level='MUST')", {GONE, GONE_FROM_QUERIES}),
        ("scim_requirement(id='P-3.6-02')", {GONE}),
        ("scim_requirement(section='3.6', level='SHOULD NOT')", {REUSED}),
        ("scim_requirement(rfc=7643)", set()),
    ],
)
def test_marker_expressions_select_checks(
    pytester: pytest.Pytester, expression: str, selected: set[str]
) -> None:
    """-m matches the marker's keyword arguments, as the README documents."""
    result = _suite(pytester, "--collect-only", "-q", "-m", expression)
    names = {line.split("::")[-1] for line in result.outlines if "::" in line}
    assert names == selected


# -- a broken provider ------------------------------------------------------------------------


def test_silent_provider_fails_each_check_and_the_run_goes_on(pytester: pytest.Pytester) -> None:
    """A provider that accepts and never answers: every check fails on the timeout, none hangs."""
    with silent_server() as url:
        result = _suite(pytester, "--scim-url", url, "--scim-timeout", "0.5", "-rfE")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) + outcomes.get("errors", outcomes.get("error", 0)) == 3
    result.stdout.fnmatch_lines(["*The server gave no usable response*", "*timed out after 0.5s*"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_unreachable_provider_fails_each_check(pytester: pytest.Pytester) -> None:
    """Connection refused is a clear failure per check, not a crash of the run."""
    result = _suite(pytester, "--scim-url", f"http://127.0.0.1:{closed_port()}/scim/v2")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) + outcomes.get("errors", outcomes.get("error", 0)) == 3
    result.stdout.fnmatch_lines(["*The server gave no usable response*", "*ConnectionError*"])


def test_garbage_provider_gets_clear_failures(pytester: pytest.Pytester) -> None:
    """200 with an HTML page for everything: the set-up failure says what came back."""
    with garbage_server() as url:
        result = _suite(pytester, "--scim-url", url, "--scim-token", TOKEN)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*Set-up failed: could not create a resource at /Users*",
            "*Expected: 201 Created*",
            "*Received: 200 <html><body>Welcome to nginx!*",
        ]
    )
    assert "INTERNALERROR" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str()


# -- cleanup and parallel runs ----------------------------------------------------------------

CREATES = """
import pytest


@pytest.mark.parametrize("n", range(6))
def test_creates_users_and_groups(new_user, new_group, n):
    assert new_user["id"] and new_group["id"]
"""
FAILS_MIDWAY = """
from scim_tests.fixtures import create


def test_fails_after_creating_a_group_with_a_member(scim_client, new_user, group_payload):
    create(scim_client, "/Groups", group_payload(members=[{"value": new_user["id"]}]))
    assert False, "a check that fails mid-way"


def test_errors_in_teardown(new_group, request):
    request.addfinalizer(lambda: 1 / 0)
"""


def test_run_leaves_nothing_behind_even_when_checks_fail(
    pytester: pytest.Pytester, mock_server: MockServer
) -> None:
    """Everything a run creates is deleted by the end of the session, pass or fail."""
    pytester.makepyfile(test_creates=CREATES, test_fails=FAILS_MIDWAY)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--scim-url", mock_server.url, "--scim-token", TOKEN,
        ".", "--pyargs", DELETE_CHECKS,
    )  # fmt: skip
    result.assert_outcomes(passed=10, failed=1, errors=1)
    assert _leftovers(mock_server) == {"Users": 0, "Groups": 0}


@pytest.mark.parametrize("run_id", [None, "shared"])
def test_xdist_workers_do_not_collide_on_a_shared_provider(
    pytester: pytest.Pytester, mock_server: MockServer, run_id: str | None
) -> None:
    """Two workers against one provider: distinct names (even with one --scim-run-id), all pass."""
    pytester.makepyfile(test_creates=CREATES)
    extra = ["--scim-run-id", run_id] if run_id else []
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--scim-url", mock_server.url,
        "--scim-token", TOKEN, *extra, ".", "--pyargs", DELETE_CHECKS,
    )  # fmt: skip
    result.assert_outcomes(passed=9)
    assert _leftovers(mock_server) == {"Users": 0, "Groups": 0}


def test_xdist_controller_starts_no_mock(pytester: pytest.Pytester) -> None:
    """With -n, each worker starts its own mock; the controller (which runs nothing) does not."""
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--scim-mock", "--pyargs", DELETE_CHECKS
    )
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["scim: target=mock (per xdist worker)"])
