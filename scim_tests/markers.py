"""The ``scim_requirement`` and ``scim_feature`` markers: declaration and validation.

Checks declare what they verify with :func:`requirement`, which looks every id up in the
catalog and applies one ``scim_requirement(id=…, rfc=…, section=…, level=…)`` mark per id, so
that ``-m "scim_requirement(level='MUST')"``, ``-m "scim_requirement(section='3.6')"`` and
``-m "scim_requirement(id='P-3.6-02')"`` all select with plain pytest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from scim_tests.catalog import LEVELS, catalog

F = TypeVar("F", bound=Callable[..., Any])

FEATURES = ("patch", "bulk", "filter", "changePassword", "sort", "etag")
#: Client profiles (``--scim-profile``): checks that replay what a real provisioning client
#: sends, collected only when their profile is asked for.
PROFILES = ("okta", "entra", "interop")

REQUIREMENT_HELP = (
    "scim_requirement(id, rfc, section, level): a catalog requirement this check verifies "
    "(one mark per id). Select with -m \"scim_requirement(level='MUST')\", "
    "-m \"scim_requirement(section='3.6')\" or -m \"scim_requirement(id='P-3.6-02')\"."
)
FEATURE_HELP = (
    "scim_feature(name): skip unless /ServiceProviderConfig advertises the feature "
    f"({', '.join(FEATURES)})."
)

PROFILE_HELP = (
    "scim_profile(name): a client-profile check, run only with --scim-profile name "
    f"({', '.join(PROFILES)})."
)


def requirement_marks(*ids: str) -> list[pytest.MarkDecorator]:
    """The ``scim_requirement`` marks for catalog ``ids`` (KeyError for an unknown id)."""
    rows = catalog()
    marks = []
    for requirement_id in ids:
        row = rows.get(requirement_id)
        if row is None:
            raise KeyError(f"unknown requirement id {requirement_id!r} (not in the catalog)")
        marks.append(
            pytest.mark.scim_requirement(
                id=row.id, rfc=row.rfc, section=row.section, level=row.level
            )
        )
    return marks


def requirement(*ids: str) -> Callable[[F], F]:
    """Decorate a check with the catalog requirements it verifies."""
    marks = requirement_marks(*ids)

    def apply(function: F) -> F:
        for mark in marks:
            function = mark(function)
        return function

    return apply


def validate_requirement(mark: pytest.Mark) -> str | None:
    """An error message if a ``scim_requirement`` mark is malformed, else None."""
    if mark.args:
        return "scim_requirement takes keyword arguments only (id=, rfc=, section=, level=)"
    kwargs = mark.kwargs
    missing = [k for k in ("id", "rfc", "section", "level") if k not in kwargs]
    if missing:
        return f"scim_requirement is missing {', '.join(missing)}"
    if kwargs["level"] not in LEVELS:
        return f"scim_requirement level {kwargs['level']!r} is not one of {LEVELS}"
    row = catalog().get(kwargs["id"])
    if row is None:
        return f"scim_requirement id {kwargs['id']!r} is not in the catalog"
    if (row.rfc, row.section, row.level) != (kwargs["rfc"], kwargs["section"], kwargs["level"]):
        return (
            f"scim_requirement {row.id} says rfc={kwargs['rfc']} section={kwargs['section']} "
            f"level={kwargs['level']}, the catalog says {row.rfc} §{row.section} {row.level}"
        )
    return None


def validate_feature(mark: pytest.Mark) -> str | None:
    """An error message if a ``scim_feature`` mark is malformed, else None."""
    if len(mark.args) != 1 or mark.kwargs:
        return "scim_feature takes exactly one feature name"
    if mark.args[0] not in FEATURES:
        return f"scim_feature {mark.args[0]!r} is not one of {FEATURES}"
    return None


def validate_profile(mark: pytest.Mark) -> str | None:
    """An error message if a ``scim_profile`` mark is malformed, else None."""
    if len(mark.args) != 1 or mark.args[0] not in PROFILES:
        return f"scim_profile takes one of {PROFILES}, got {mark.args!r}"
    return None


def profiles_of(item: pytest.Item) -> set[str]:
    """The client profiles an item belongs to (empty for the core suite)."""
    return {str(mark.args[0]) for mark in item.iter_markers("scim_profile") if mark.args}
