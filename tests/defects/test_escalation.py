"""RFC-permitted defects pass the suite with a DeprovisioningWarning, and fail when escalated.

A provider may keep a deleted user in its groups' members (C-2.3.7-04 is MAY): the suite must
not fail it, but report it; ``-W error::scim_tests.DeprovisioningWarning`` turns the report
into a failure of exactly the checks the matrix lists for it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.defects.matrix_plugin import load
from tests.defects.suite import outcomes, run_pytest

_, ESCALATED = load()


@pytest.mark.parametrize("name", sorted(ESCALATED))
def test_permitted_defect_warns_and_fails_only_when_escalated(tmp_path: Path, name: str) -> None:
    """Without -W the whole suite passes and shows the warning; with -W the listed checks fail."""
    quiet_xml = tmp_path / "quiet.xml"
    quiet = run_pytest(
        ["--scim-mock-fault", name, f"--junitxml={quiet_xml}", "-rw"], cwd=tmp_path, timeout=600
    )
    assert quiet.returncode == 0, quiet.output
    assert outcomes(quiet_xml).failed == set(), quiet.output
    assert "DeprovisioningWarning" in quiet.output
    loud_xml = tmp_path / "loud.xml"
    loud = run_pytest(
        ["--scim-mock-fault", name, f"--junitxml={loud_xml}",
         "-W", "error::scim_tests.DeprovisioningWarning"],
        cwd=tmp_path,
        timeout=600,
    )  # fmt: skip
    assert outcomes(loud_xml).failed == ESCALATED[name], loud.output
