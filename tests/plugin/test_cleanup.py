"""The suite deletes what it created even when the run is interrupted (Ctrl-C)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from scim_mock import MockConfig, MockServer

TOKEN = "cleanup-token"


@pytest.fixture
def server() -> Iterator[MockServer]:
    with MockServer(MockConfig(token=TOKEN)) as running:
        yield running


def _count(server: MockServer, endpoint: str) -> int:
    response = requests.get(
        f"{server.url}{endpoint}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )
    total: int = response.json()["totalResults"]
    return total


def test_interrupted_run_still_deletes_what_it_created(
    pytester: pytest.Pytester, server: MockServer
) -> None:
    """A KeyboardInterrupt after creating a user and a group leaves nothing behind."""
    pytester.makepyfile(
        test_interrupt="""
        from scim_tests.fixtures import create

        def test_creates_then_is_interrupted(scim_client, user_payload, group_payload):
            user = create(scim_client, "/Users", user_payload())
            create(scim_client, "/Groups", group_payload(members=[{"value": user["id"]}]))
            raise KeyboardInterrupt

        def test_never_runs(scim_client, user_payload):
            create(scim_client, "/Users", user_payload())
        """
    )
    # no_reraise_ctrlc: let the inner run end as an interrupted session instead of
    # re-raising KeyboardInterrupt into this test.
    recorder = pytester.inline_run(
        "--scim-url", server.url, "--scim-token", TOKEN, "-p", "no:cacheprovider",
        no_reraise_ctrlc=True,
    )  # fmt: skip
    assert recorder.ret == pytest.ExitCode.INTERRUPTED
    assert _count(server, "/Users") == 0
    assert _count(server, "/Groups") == 0


def test_the_suite_never_touches_resources_it_did_not_create(
    pytester: pytest.Pytester, server: MockServer
) -> None:
    """A user created by someone else survives a full run of the lifecycle checks."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bystander"}
    bystander = requests.post(f"{server.url}/Users", json=body, headers=headers, timeout=5).json()
    result = pytester.runpytest_inprocess(
        "--pyargs", "scim_tests.checks", "--scim-url", server.url, "--scim-token", TOKEN,
        "-p", "no:cacheprovider", "-q",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.OK, "\n".join(result.outlines[-20:])
    after = requests.get(f"{server.url}/Users/{bystander['id']}", headers=headers, timeout=5)
    assert after.status_code == 200
    assert after.json()["meta"]["version"] == bystander["meta"]["version"]
    assert _count(server, "/Users") == 1
    assert _count(server, "/Groups") == 0
