"""The fuzz families together send more than 2,000 hostile requests.

Each family asserts its own quota after it ran (``fuzz_requests.run_family``), so this check
needs no state from other modules and holds in any order and under xdist.
"""

from __future__ import annotations

from tests.mock.fuzz_requests import QUOTAS


def test_family_quotas_add_up_to_2000_requests() -> None:
    """The per-family quotas add up to at least 2,000 fuzz requests."""
    assert sum(QUOTAS.values()) >= 2000
