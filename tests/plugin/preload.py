"""Import the suite's heavy dependencies once, before any pytester in-process run.

pytester restores ``sys.modules`` after each in-process run by removing the modules the run
imported; modules imported before it stay. Importing Faker, jsonschema, requests and the mock
up front therefore spares every run a fresh import of each (seconds per run).
"""

from __future__ import annotations

from faker import Faker

import scim_mock.server  # noqa: F401
import scim_tests.asserts  # noqa: F401
import scim_tests.fixtures  # noqa: F401
import scim_tests.report  # noqa: F401

Faker("en_US")  # loads the locale's provider modules
