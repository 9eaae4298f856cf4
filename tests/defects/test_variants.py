"""The whole suite passes against every legal variant of the mock.

Each variant is behaviour the RFCs allow and real providers show: PATCH answered with 204, a
page-size cap far below what ``count`` asks, a small default page, optional features switched
off (and advertised as off), discovery served without credentials. A check that fails under one
of them is a false alarm, whatever it found against the strict mock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.defects.suite import outcomes, run_pytest

#: ``--scim-mock-option`` settings, each a documented MockConfig field.
VARIANTS = {
    "patch-answers-204": "patch_response=no-content",
    "page-cap-of-one": "filter_max_results=1",
    "default-page-of-one": "default_page_size=1",
    "no-patch": "patch_supported=false",
    "no-bulk": "bulk_supported=false",
    "no-sort": "sort_supported=false",
    "no-etag": "etag_supported=false",
    "no-change-password": "change_password_supported=false",
    "open-discovery": "discovery_requires_auth=false",
}


@pytest.mark.parametrize("option", VARIANTS.values(), ids=VARIANTS.keys())
def test_suite_passes_against_a_legal_variant(tmp_path: Path, option: str) -> None:
    """No check fails; checks of a switched-off feature skip, naming the evidence."""
    junit = tmp_path / "variant.xml"
    run = run_pytest(
        ["--scim-mock-option", option, f"--junitxml={junit}"], cwd=tmp_path, timeout=600
    )
    assert run.returncode == 0, run.output[-20000:]
    result = outcomes(junit)
    assert result.failed == set(), run.output[-20000:]
    assert len(result.passed) > 200
