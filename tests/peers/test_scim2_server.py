"""Run our conformance suite against python-scim's scim2-server, a provider no one here wrote.

scim2-server is installed in a virtualenv of its own and started on 127.0.0.1. Our suite then
runs against it exactly as a user would run it (``pytest --pyargs scim_tests.checks --scim-url
… --scim-token …``). Every check that fails must be a genuine violation, documented in
``docs/peers.md`` and listed in :data:`GENUINE_VIOLATIONS` with its evidence; a failure missing
from the list (a possible false positive) or a listed one that no longer fails both fail this
test, so the table stays true.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers.conftest import free_port, peer_python, wait_for_port

pytestmark = pytest.mark.peer

SERVER_REQUIREMENTS = ["scim2-server==0.8.3"]
TOKEN = "peer-server-token"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "peers.md"

#: Check name -> why its failure against scim2-server 0.8.3 is a genuine violation.
GENUINE_VIOLATIONS: dict[str, str] = {
    "test_create_with_empty_user_name_is_refused": (
        "C-4.1.1-01 (MUST): POST /Users with userName \"\" answers 201 and stores the empty "
        "name (a missing userName is refused correctly)."
    ),
    "test_create_with_wrongly_typed_value_is_refused": (
        "P-3.12-22 (SHOULD): POST /Users with active \"yes\" answers 201 and stores active true."
    ),
    "test_patch_case[errors-a_value_of_the_wrong_type_is_invalidvalue--active_as_a_string]": (
        "P-3.12-22 (SHOULD): PATCH replace active with \"yes\" answers 204 and stores active "
        "true."
    ),
    "test_create_honours_attributes_parameters": (
        "P-3.9-01 (MUST): POST /Users?attributes=userName returns every attribute; the same "
        "parameter is honoured on GET."
    ),
    # Client-profile findings: no RFC row is violated (the server follows the RFC), but the
    # client's documented deviation is refused, so that client cannot provision it.
    "test_entra_removes_one_member[legacy]": (
        "Entra without aadOptscim062020: PATCH remove path members with a value array answers "
        "400 invalidValue (RFC 7644 §3.5.2.2 gives remove no value)."
    ),
    "test_entra_replace_of_missing_work_email_adds_it[legacy]": (
        "Entra: replace on emails[type eq \"work\"].value of a user without a work email "
        "answers 400 noTarget (RFC 7644 §3.5.2.3); Entra means add."
    ),
    "test_entra_replace_of_missing_work_email_adds_it[aadOptscim062020]": (
        "Entra (both behaviours): the same replace on a missing work email, 400 noTarget."
    ),
}


@pytest.fixture(scope="module")
def scim2_server_url() -> Iterator[str]:
    """scim2-server on a free loopback port; yields its base URL."""
    python = peer_python("scim2-server", SERVER_REQUIREMENTS)
    port = free_port()
    process = subprocess.Popen(
        [str(python.parent / "scim2-server"), "--hostname", "127.0.0.1", "--port", str(port),
         "--bearer-token", TOKEN],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/v2"
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_suite(url: str, junit: Path) -> dict[str, str]:
    """Run the whole suite, the client profiles included, against ``url``; return {failed
    check name: failure message}.

    It runs from an empty directory, as a user's project would, so our own pytest settings
    (warnings as errors) do not apply.
    """
    subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "scim_tests.checks", "--scim-url", url,
         "--scim-token", TOKEN, "--scim-profile", "okta,entra,interop",
         "-p", "no:cacheprovider", "-q", f"--junitxml={junit}",
         "-o", "junit_family=xunit2"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=junit.parent,
    )  # fmt: skip
    assert junit.exists(), "the suite produced no JUnit report"
    failed: dict[str, str] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        for problem in [*case.iter("failure"), *case.iter("error")]:
            failed[case.get("name", "?")] = (problem.get("message") or "").splitlines()[0]
    return failed


def test_every_failure_against_scim2_server_is_a_documented_genuine_violation(
    scim2_server_url: str, tmp_path: Path
) -> None:
    """Zero false positives: failures == the documented genuine violations."""
    failed = run_suite(scim2_server_url, tmp_path / "junit.xml")
    unexplained = {name: msg for name, msg in failed.items() if name not in GENUINE_VIOLATIONS}
    assert not unexplained, (
        "checks fail against scim2-server without a documented reason (a false positive, or a "
        "genuine violation to add to docs/peers.md and GENUINE_VIOLATIONS):\n"
        + "\n".join(f"- {name}: {msg}" for name, msg in sorted(unexplained.items()))
    )
    stale = sorted(set(GENUINE_VIOLATIONS) - set(failed))
    assert not stale, f"documented violations that no longer fail: {stale}"


def test_docs_list_every_documented_violation() -> None:
    """docs/peers.md names every check of GENUINE_VIOLATIONS."""
    text = DOCS.read_text(encoding="utf-8")
    missing = [name for name in GENUINE_VIOLATIONS if f"`{name.split('[')[0]}" not in text]
    assert not missing, f"docs/peers.md does not mention {missing}"
