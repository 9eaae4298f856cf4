"""Named deliberate defects of the mock service provider, to prove conformance checks can fail.

Each defect models a realistic server bug and breaks the catalog requirements it names; the defect
matrix (``tests/defects``) proves that the conformance checks for those requirements fail under it.
Defects are ordinary :class:`scim_mock.extensions.MockExtension` objects: the mock never imports
this package; it finds the catalog through the ``scim_mock.extensions`` entry point (``scim-mock
serve --fault NAME``, ``pytest --scim-mock --scim-mock-fault NAME``), or a caller passes them to
``create_app(config, extensions=[DEFECTS[name]])``.

One module per spec area: ``core``, ``filters``, ``listing`` (paging, sorting, projection),
``lifecycle`` and ``deletion`` (groups, joiner/mover/leaver), ``patch`` (the PATCH engine) and
``patch_outcomes`` (what a PATCH answers), ``protocol`` (media type, errors, auth) and
``discovery``, ``resources`` (create, read, replace, representation) and ``identifiers`` (ids,
uniqueness), ``versioning`` (ETags, round trips, schema rules) and ``bulk``.
"""

from __future__ import annotations

from collections.abc import Sequence

from scim_defects import (  # noqa: F401 (each module registers its defects on import)
    bulk,
    client_entra,
    client_okta,
    core,
    cursors,
    deletion,
    discovery,
    filter_types,
    filters,
    identifiers,
    lifecycle,
    listing,
    patch,
    patch_outcomes,
    protocol,
    resources,
    security_access,
    security_data,
    security_deprovisioning,
    versioning,
)
from scim_defects.registry import DEFECTS, Defect, area_of, registered_by

__all__ = ["DEFECTS", "Defect", "area_of", "catalog", "defects", "registered_by"]


def catalog() -> dict[str, Defect]:
    """Every defect by name: the ``scim_mock.extensions`` entry point of this distribution."""
    return dict(DEFECTS)


def defects(names: Sequence[str]) -> list[Defect]:
    """The defects called ``names``, in order; ValueError names the unknown ones."""
    unknown = [n for n in names if n not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect(s): {', '.join(unknown)}")
    return [DEFECTS[n] for n in names]
