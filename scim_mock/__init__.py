"""scim_mock: a strict, complete SCIM 2.0 mock service provider built on Flask.

Importing the package is cheap; Flask is only imported by :func:`create_app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["MockConfig", "MockServer", "__version__", "create_app"]

__version__ = "0.1.0"

if TYPE_CHECKING:
    from scim_mock.app import create_app
    from scim_mock.config import MockConfig
    from scim_mock.server import MockServer


def __getattr__(name: str) -> Any:
    # Lazy re-exports keep `import scim_mock` light (the pytest plugin imports it on demand).
    if name == "create_app":
        from scim_mock.app import create_app

        return create_app
    if name == "MockConfig":
        from scim_mock.config import MockConfig

        return MockConfig
    if name == "MockServer":
        from scim_mock.server import MockServer

        return MockServer
    raise AttributeError(name)
