"""The behaviour tests every defect area gets (``tests/defects/test_<area>.py``).

A module maps each defect of its area to a scenario over HTTP (``CHECKS``) and takes the three
tests from :func:`behaviour_tests`: the table covers exactly the defects the area registers;
with the defect on, its scenario passes (the defect is observable as described); against the
strict mock the same scenario fails its assertion (the scenario tests the defect, not luck).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from scim_defects import registered_by
from tests.conftest import Scim, make_scim

Scenario = Callable[[Scim], None]


def behaviour_tests(
    areas: str | tuple[str, ...],
    checks: Mapping[str, Scenario],
    *,
    strict_errors: tuple[type[BaseException], ...] = (AssertionError,),
) -> tuple[Callable[[], None], Callable[..., None], Callable[..., None]]:
    """The guard, the defect-on and the strict-mock tests for the defects of ``areas``
    (modules of scim_defects), with ``checks`` as the scenarios; assign them to ``test_*``
    names of the calling module, where pytest collects them."""
    names = (areas,) if isinstance(areas, str) else areas

    def test_every_fault_has_a_behaviour_test() -> None:
        """CHECKS covers exactly the faults the area's modules register."""
        registered = set().union(*(registered_by(area) for area in names))
        assert set(checks) == registered

    @pytest.mark.parametrize("name", sorted(checks))
    def test_each_fault_changes_behaviour_as_described(name: str) -> None:
        """With the fault on, the described defect is observable over HTTP."""
        checks[name](make_scim(faults=(name,)))

    @pytest.mark.parametrize("name", sorted(checks))
    def test_without_the_fault_the_mock_is_strict(name: str) -> None:
        """The same scenario fails its defect assertion against the strict mock."""
        with pytest.raises(strict_errors):
            checks[name](make_scim())

    return (
        test_every_fault_has_a_behaviour_test,
        test_each_fault_changes_behaviour_as_described,
        test_without_the_fault_the_mock_is_strict,
    )


__all__: list[Any] = ["behaviour_tests"]
