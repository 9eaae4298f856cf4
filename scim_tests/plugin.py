"""The ``pytest11`` entry point of scim_tests.

Inert until asked: it registers the ``scim`` option group and markers and imports nothing heavy.
The conformance fixtures and checks arrive with the plugin issue; until then a run without a
target is unaffected.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``--scim-*`` options (CLI > ini > environment)."""
    group = parser.getgroup("scim", "SCIM conformance (scim_tests)")
    group.addoption(
        "--scim-url",
        dest="scim_url",
        default=None,
        help="Base URL of the SCIM service provider under test (env SCIM_URL).",
    )
    group.addoption(
        "--scim-token",
        dest="scim_token",
        default=None,
        help="Bearer token for the provider under test (env SCIM_TOKEN).",
    )
    group.addoption(
        "--scim-mock",
        dest="scim_mock",
        action="store_true",
        default=False,
        help="Start the bundled scim_mock on 127.0.0.1 (port 0) and test it.",
    )
    parser.addini("scim_url", "Base URL of the SCIM service provider under test.", default=None)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``scim_*`` markers."""
    config.addinivalue_line(
        "markers",
        "scim_requirement(id, rfc, section, level='MUST'): the requirement a check verifies.",
    )
    config.addinivalue_line(
        "markers",
        "scim_feature(name): skip unless /ServiceProviderConfig advertises the feature.",
    )
