"""The client profiles against the strict mock: only the documented client deviations fail.

``--scim-profile okta,entra,interop`` adds checks that replay what those clients send. Against
the mock that speaks their dialects (``--scim-mock-compat okta,entra``) the whole suite passes;
the matrix runs it that way (tests/defects/suite.PROFILES) and requires no failure. Against the
strict mock, which follows the RFCs and so refuses what the clients send beyond them, exactly the
checks of :data:`DEVIATIONS` fail, each with the message that names the client behaviour and the
RFC rule it departs from, and no catalog row cited as violated (the strict server is right).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from tests.defects.suite import run_pytest

#: Check -> the client behaviour its failure names, against the strict mock.
DEVIATIONS: dict[str, str] = {
    "test_okta_group_rename_by_pathless_replace_with_id":
        "a Group rename as a pathless replace whose value carries the readOnly id",
    "test_entra_deactivates_user[legacy]": '"value": "False"',
    "test_entra_replace_of_missing_work_email_adds_it[legacy]": "meaning add",
    "test_entra_replace_of_missing_work_email_adds_it[aadOptscim062020]": "meaning add",
    "test_entra_removes_one_member[legacy]": "member removal as",
}  # fmt: skip

PROFILE_MODULES = (
    "test_profile_okta", "test_profile_entra", "test_profile_entra_groups", "test_profile_interop",
)  # fmt: skip
DEVIATION_TITLE = "cannot provision this server"


def test_strict_mock_fails_only_the_client_deviations(tmp_path: Path) -> None:
    """The strict mock fails the profile checks that rely on a client deviation, and only
    those, each naming the client behaviour; every other check passes."""
    junit = tmp_path / "strict-profiles.xml"
    run_pytest(
        ["--scim-profile", "okta,entra,interop", f"--junitxml={junit}"],
        cwd=tmp_path,
        timeout=900,
    )
    assert junit.exists()
    failed: dict[str, tuple[str, str]] = {}
    profile_checks = 0
    for case in ET.parse(junit).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        profile_checks += module in PROFILE_MODULES
        problems = [c for c in case if c.tag in ("failure", "error")]
        if problems:
            text = (problems[0].get("message") or "") + (problems[0].text or "")
            violated = [p.get("value") for p in case.iter("property")
                        if p.get("name") == "scim_violated"]  # fmt: skip
            failed[case.get("name", "")] = (module, text if not violated else f"{violated} {text}")
    assert profile_checks >= 30
    assert set(failed) == set(DEVIATIONS), sorted(failed)
    for name, (module, text) in failed.items():
        assert module in PROFILE_MODULES, name
        assert DEVIATION_TITLE in text and DEVIATIONS[name] in text, (name, text[:600])
        assert "RFC" in text, (name, text[:600])
        assert not text.startswith("["), f"{name} cites a violated row: {text[:300]}"
