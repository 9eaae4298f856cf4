"""scim_tests: a pytest plugin that checks a SCIM 2.0 service provider against RFC 7643/7644.

Kept free of heavy imports: the plugin loads in every pytest run of the environment.
"""

from __future__ import annotations

from scim_tests.failures import ConformanceFailure, DeprovisioningWarning

__all__ = ["ConformanceFailure", "DeprovisioningWarning", "__version__"]

__version__ = "0.1.0"
